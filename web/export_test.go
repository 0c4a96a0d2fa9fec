package web

// HoldDiffSlot takes the change views' diff slot as a diff being made
// holds it, until release is called.
func (s *Server) HoldDiffSlot() (release func()) {
	s.diffs <- struct{}{}
	return func() { <-s.diffs }
}
