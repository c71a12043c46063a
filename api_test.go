package tokengate_test

import (
	"context"
	"crypto"
	"log/slog"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/echogate"
	"github.com/tokengate/tokengate/adapters/gingate"
	"github.com/tokengate/tokengate/adapters/redisstore"
	"github.com/tokengate/tokengate/tokengatetest"
)

// The public contract of DESIGN.md that this package implements, checked by
// the compiler: a changed signature breaks this file.
var (
	_ func(...tokengate.Option) (*tokengate.Middleware, error)                        = tokengate.New
	_ func(*tokengate.Middleware, http.Handler) http.Handler                          = (*tokengate.Middleware).Handler
	_ func(*tokengate.Middleware, *http.Request) (*tokengate.Claims, error)           = (*tokengate.Middleware).Authenticate
	_ func(*tokengate.Middleware, context.Context, string) (*tokengate.Claims, error) = (*tokengate.Middleware).Verify
	_ func(*tokengate.Middleware) error                                               = (*tokengate.Middleware).Close

	_ func(string, ...tokengate.JWKSOption) tokengate.KeySource                 = tokengate.JWKS
	_ func([]byte) tokengate.KeySource                                          = tokengate.HMACSecret
	_ func(jwa.SignatureAlgorithm, crypto.PublicKey) tokengate.KeySource        = tokengate.PublicKey
	_ func(jwk.Set) tokengate.KeySource                                         = tokengate.KeySet
	_ func(string, ...tokengate.RemoteOption) tokengate.KeySource               = tokengate.Introspect
	_ func(string, ...tokengate.RemoteOption) tokengate.KeySource               = tokengate.PicketValidate
	_ func(string) tokengate.RemoteOption                                       = tokengate.RemoteURL
	_ func(...tokengate.Requirement) func(http.Handler) http.Handler            = (*tokengate.Middleware)(nil).Require
	_ func(...tokengate.Requirement) tokengate.Option                           = tokengate.WithRequirements
	_ func(tokengate.ReplayStore) tokengate.Option                              = tokengate.WithSingleUse
	_ func(int) tokengate.Option                                                = tokengate.WithCache
	_ func() *tokengate.MemoryStore                                             = tokengate.NewMemoryStore
	_ tokengate.ReplayStore                                                     = tokengate.NewMemoryStore()
	_ func(...string) tokengate.Requirement                                     = tokengate.Chain
	_ func(...string) tokengate.Requirement                                     = tokengate.Wallet
	_ func(string) tokengate.Requirement                                        = tokengate.Contract
	_ func(string) tokengate.Requirement                                        = tokengate.MinBalance
	_ func(...string) tokengate.Requirement                                     = tokengate.TokenID
	_ func(...tokengate.Requirement) tokengate.Requirement                      = tokengate.AllOf
	_ func(...tokengate.Requirement) tokengate.Requirement                      = tokengate.AnyOf
	_ func(*tokengate.Middleware) echo.MiddlewareFunc                           = echogate.Middleware
	_ func(*tokengate.Middleware, ...tokengate.Requirement) echo.MiddlewareFunc = echogate.Require
	_ func(echo.Context) (*tokengate.Claims, bool)                              = echogate.Claims
	_ func(*tokengate.Middleware) gin.HandlerFunc                               = gingate.Middleware
	_ func(*tokengate.Middleware, ...tokengate.Requirement) gin.HandlerFunc     = gingate.Require
	_ func(*gin.Context) (*tokengate.Claims, bool)                              = gingate.Claims
	_ func(redis.UniversalClient, ...redisstore.Option) *redisstore.Store       = redisstore.New
	_ tokengate.ReplayStore                                                     = (*redisstore.Store)(nil)

	_ func(string, tokengate.KeySource, ...tokengate.IssuerOption) tokengate.Option = tokengate.WithIssuer
	_ func(...string) tokengate.IssuerOption                                        = tokengate.IssuerAudience
	_ func(...string) tokengate.IssuerOption                                        = tokengate.IssuerTypes
	_ func(tokengate.Requirement, context.Context, *tokengate.Claims) error         = tokengate.Requirement.Check
	_ tokengate.Requirement                                                         = tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error { return nil })
	_ error                                                                         = tokengate.ErrUnavailable
	_ func(string, ...tokengate.ProviderOption) tokengate.Option                    = tokengate.Privy
	_ func(string, ...tokengate.ProviderOption) tokengate.Option                    = tokengate.Dynamic
	_ func(string, ...tokengate.ProviderOption) tokengate.Option                    = tokengate.Web3Auth
	_ func(string) tokengate.ProviderOption                                         = tokengate.ProviderJWKSURL
	_ func(...string) tokengate.ProviderOption                                      = tokengate.ProviderAudience
	_ func(...tokengate.JWKSOption) tokengate.KeySource                             = tokengate.OIDC
	_ func(...string) tokengate.Requirement                                         = tokengate.Scope
	_ func(tokengate.KeySource) tokengate.Option                                    = tokengate.WithKeys
	_ func(...string) tokengate.Option                                              = tokengate.WithAudience
	_ func(...jwa.SignatureAlgorithm) tokengate.Option                              = tokengate.WithAlgorithms
	_ func(time.Duration) tokengate.Option                                          = tokengate.WithClockSkew
	_ func(time.Duration) tokengate.Option                                          = tokengate.WithMaxLifetime
	_ func(tokengate.Extractor) tokengate.Option                                    = tokengate.WithExtractor
	_ func() tokengate.Option                                                       = tokengate.WithCredentialsOptional
	_ func(func(http.ResponseWriter, *http.Request, error)) tokengate.Option        = tokengate.WithErrorHandler
	_ func(*slog.Logger) tokengate.Option                                           = tokengate.WithLogger

	_ func(*tokengate.Claims, any) error                       = (*tokengate.Claims).Decode
	_ func(context.Context) (*tokengate.Claims, bool)          = tokengate.ClaimsFromContext
	_ func(context.Context, *tokengate.Claims) context.Context = tokengate.ContextWithClaims
	_ tokengate.Extractor                                      = func(*http.Request) (string, error) { return "", nil }
	_ func() tokengate.Extractor                               = tokengate.FromAuthHeader
	_ func(string) tokengate.Extractor                         = tokengate.FromHeader
	_ func(string) tokengate.Extractor                         = tokengate.FromCookie
	_ func(string) tokengate.Extractor                         = tokengate.FromQuery
	_ func(...tokengate.Extractor) tokengate.Extractor         = tokengate.FirstOf

	_ = []error{tokengate.ErrNoToken, tokengate.ErrMalformed, tokengate.ErrSignature, tokengate.ErrUnknownKey,
		tokengate.ErrAlgorithm, tokengate.ErrExpired, tokengate.ErrNotYetValid, tokengate.ErrIssuer,
		tokengate.ErrAudience, tokengate.ErrReplayed, tokengate.ErrForbidden, tokengate.ErrKeysUnavailable}
	_ error = &tokengate.Error{Status: 401, Code: "invalid_token", Err: tokengate.ErrExpired}

	_ func(...tokengatetest.IssuerOption) *tokengatetest.Issuer                          = tokengatetest.NewIssuer
	_ func(*tokengatetest.Issuer) string                                                 = (*tokengatetest.Issuer).URL
	_ func(*tokengatetest.Issuer) string                                                 = (*tokengatetest.Issuer).JWKSURL
	_ func(*tokengatetest.Issuer, tokengate.Claims, ...tokengatetest.TokenOption) string = (*tokengatetest.Issuer).Token
	_ func(*tokengatetest.Issuer)                                                        = (*tokengatetest.Issuer).Rotate
	_ func(*tokengatetest.Issuer)                                                        = (*tokengatetest.Issuer).Close
)

// The Claims fields DESIGN.md names, with their types.
var _ = tokengate.Claims{
	Issuer: "", Subject: "", Audience: []string{}, ExpiresAt: time.Time{}, NotBefore: time.Time{}, IssuedAt: time.Time{},
	ID: "", Chain: "", WalletAddress: "", DisplayAddress: "", ContractAddress: "", TokenBalance: nil,
	TokenIDs: []string{}, Email: "",
	Wallets: []tokengate.WalletAccount{{Chain: "eip155:1", Address: ""}}, Scopes: []string{},
}
