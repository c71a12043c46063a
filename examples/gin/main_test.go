package main

import (
	"testing"

	"github.com/tokengate/tokengate/examples/internal/demotest"
)

func TestExample(t *testing.T) {
	demotest.CheckExample(t, "gin", routes)
}
