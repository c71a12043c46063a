package tokengate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestJWKSRefreshCap(t *testing.T) {
	tests := []struct {
		name                string
		lo, hi, stale, want time.Duration
	}{
		{"defaults", time.Minute, 24 * time.Hour, 24 * time.Hour, 12 * time.Hour},
		{"long stale bound", time.Minute, time.Hour, 24 * time.Hour, time.Hour},
		{"stale bound near the minimum", time.Minute, time.Hour, 90 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := jwksConfig{minRefresh: tt.lo, maxRefresh: tt.hi, maxStale: tt.stale}
			assert.Equal(t, tt.want, c.refreshCap())
		})
	}
}
