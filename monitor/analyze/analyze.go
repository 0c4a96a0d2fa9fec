// Package analyze reads a policy's readable text for what people need to
// know: which data categories, purposes and rights it mentions, and which
// dates bind them. It is a leaf: it imports nothing of policywatch.
package analyze

// FactSheet is what one version of a policy says (placeholder; see issue 3).
type FactSheet struct{}

// Analysis compares two fact sheets (placeholder; see issue 3).
type Analysis struct{}
