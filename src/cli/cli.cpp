// STUB — being replaced.
