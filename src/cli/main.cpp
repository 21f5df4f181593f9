// STUB — being replaced.
int main() { return 0; }
