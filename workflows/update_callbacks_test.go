package workflows_test

// updateCallbacks adapts plain funcs to the test environment's UpdateCallbacks.
type updateCallbacks struct {
	reject   func(error)
	complete func(interface{}, error)
}

func (u *updateCallbacks) Accept()                           {}
func (u *updateCallbacks) Reject(err error)                  { u.reject(err) }
func (u *updateCallbacks) Complete(v interface{}, err error) { u.complete(v, err) }
