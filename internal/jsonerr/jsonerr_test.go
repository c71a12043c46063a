package jsonerr

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestKind(t *testing.T) {
	var v struct{ A int }
	tests := []struct {
		name, in, want string
	}{
		{"duplicate name", `{"A":1,"A":2}`, "duplicate member name"},
		{"syntax", `{"A":1 zqx}`, "invalid JSON"},
		{"invalid UTF-8", "{\"A\":\"\xff\"}", "invalid JSON"},
		{"truncated", `{"A":`, "invalid JSON"},
		{"wrong type", `{"A":"zqx"}`, "a member has the wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tt.in), &v)
			if err == nil {
				t.Fatal("Unmarshal succeeded")
			}
			got := Kind(err)
			if got != tt.want {
				t.Errorf("Kind(%v) = %q, want %q", err, got, tt.want)
			}
			if strings.Contains(got, "zqx") {
				t.Errorf("Kind quotes the input: %q", got)
			}
		})
	}
}
