// Package extmodule holds a test that uses the library the way a user's
// program does: from a module of its own, outside the repository, that
// requires gomistral (through a replace directive) and runs generation. It
// proves that nothing relies on repository-relative paths or on flags only
// the repository's own commands set. A second test runs the README's first
// program as written there, so the README cannot drift from the API.
package extmodule
