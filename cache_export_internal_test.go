package tokengate

// CacheLen returns how many verified tokens m's cache holds (0 without
// WithCache). It exists only in this package's tests.
func CacheLen(m *Middleware) int {
	if m.cache == nil {
		return 0
	}
	return m.cache.len()
}
