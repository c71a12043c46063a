package demo

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecimal(t *testing.T) {
	tests := []struct {
		in   *big.Rat
		want string
	}{
		{big.NewRat(1337, 10000), "0.1337"},
		{big.NewRat(42, 1), "42"},
		{big.NewRat(-5, 2), "-2.5"},
		{big.NewRat(0, 1), "0"},
		{big.NewRat(1, 1<<10), "0.0009765625"},
		{new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)), "0.000000000000000000000000000001"},
		{big.NewRat(1, 3), "0.333333333333333333"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, decimal(tt.in))
		})
	}
}
