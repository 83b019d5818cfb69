package mistral

import "syscall"

// lowerThreadPriority gives the calling thread (locked to its goroutine)
// the lowest scheduling priority, nice 19: it runs on what other threads
// leave. Failure only means it competes at the usual priority.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}
