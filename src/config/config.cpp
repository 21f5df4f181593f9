// STUB — being replaced.
#include "maspo/llm.hpp"
