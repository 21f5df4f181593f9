// STUB — being replaced.
#include "support/fake_openai_server.hpp"
