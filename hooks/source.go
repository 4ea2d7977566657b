package hooks

import "github.com/hookfront/hookfront/edge"

// EdgeSource hands the registry's current generation to the edge.
type EdgeSource struct{ R *Registry }

// Current returns the generation serving now, or nil (no hooks) before the first load.
func (s EdgeSource) Current() edge.HookSet {
	if g := s.R.Current(); g != nil {
		return g
	}
	return nil
}
