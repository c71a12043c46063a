// Mints the DPoP test vectors of dpop_vectors_test.go with jose
// (https://github.com/panva/jose), an implementation independent of
// tokengate: access tokens bound with cnf.jkt (RFC 9449 §6.1) and the
// proofs that go with them (§4.2), with fixed keys, iat and jti.
//
//   npm ci                          # jose, pinned in package-lock.json
//   node gen.mjs keys > keys.json   # only to replace the keys
//   node gen.mjs > vectors.json     # the vectors, from keys.json
//
// ECDSA and RSA-PSS signatures are randomized, so each run writes other
// signatures over the same contents; all of them verify.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';

const NOW = 1767225600; // 2026-01-01T00:00:00Z: every iat
const ISSUER = 'https://issuer.example';
const API = 'https://api.example.com';
// The server nonce secret of the nonce vector (DPoPNonces(secret, 60s)).
const NONCE_SECRET = 'tokengate-dpop-vector-nonce-secret-0123456789';
const NONCE_LIFETIME = 60;

const algs = { issuer: 'ES256', es256: 'ES256', eddsa: 'EdDSA', rs256: 'RS256', ps256: 'PS256', other: 'ES256' };

if (process.argv[2] === 'keys') {
  const out = {};
  for (const [name, alg] of Object.entries(algs)) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    out[name] = { alg, jwk: await exportJWK(privateKey) };
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(0);
}

const keys = JSON.parse(readFileSync(new URL('./keys.json', import.meta.url)));
const publicJWK = ({ kty, crv, x, y, n, e }) =>
  Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined));
const privateKey = (name) => importJWK(keys[name].jwk, keys[name].alg);

// The base64url SHA-256 of the token: the proof's ath.
const ath = (token) => createHash('sha256').update(token, 'ascii').digest('base64url');

// A tokengate server nonce: base64url(0x01 | window | 12 bytes | MAC), the
// MAC HMAC-SHA256(secret, "tokengate DPoP nonce\0" | the first 21 bytes)
// cut to 16 bytes (dpop_nonce.go).
function serverNonce(now, fill) {
  const body = Buffer.alloc(21);
  body[0] = 1;
  body.writeBigUInt64BE(BigInt(Math.floor(now / NONCE_LIFETIME)), 1);
  body.fill(fill, 9);
  const mac = createHmac('sha256', NONCE_SECRET).update('tokengate DPoP nonce\0').update(body).digest().subarray(0, 16);
  return Buffer.concat([body, mac]).toString('base64url');
}

async function token(sub, jkt) {
  return new SignJWT({ sub, cnf: { jkt } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'issuer-1' })
    .setIssuer(ISSUER)
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 3600)
    .setJti(`token-${sub}`)
    .sign(await privateKey('issuer'));
}

async function proof(keyName, { htm, htu, tok, jti, nonce, typ = 'dpop+jwt', iat = NOW }) {
  const claims = { htm, htu, ath: ath(tok) };
  if (nonce !== undefined) claims.nonce = nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: keys[keyName].alg, typ, jwk: publicJWK(keys[keyName].jwk) })
    .setIssuedAt(iat)
    .setJti(jti)
    .sign(await privateKey(keyName));
}

const jkt = {};
for (const name of Object.keys(algs)) jkt[name] = await calculateJwkThumbprint(publicJWK(keys[name].jwk), 'sha256');

const cases = [];
async function add(name, c) {
  const tok = await token(c.sub, jkt[c.bound]);
  const p = await proof(c.signer ?? c.bound, { htm: c.htm ?? c.method, htu: c.htu, tok, jti: c.jti, nonce: c.nonce, typ: c.typ, iat: c.iat });
  cases.push({ name, method: c.method, url: c.url, token: tok, proof: p, jkt: jkt[c.bound], nonces: c.nonces ?? false, want: c.want });
}

await add('ES256 GET, htu without the query', { sub: 'alice', bound: 'es256', method: 'GET', url: `${API}/resource?page=2`, htu: `${API}/resource`, jti: 'vector-es256', want: 'ok' });
await add('EdDSA POST', { sub: 'bob', bound: 'eddsa', method: 'POST', url: `${API}/orders`, htu: `${API}/orders`, jti: 'vector-eddsa', want: 'ok' });
await add('RS256 DELETE', { sub: 'carol', bound: 'rs256', method: 'DELETE', url: `${API}/orders/7`, htu: `${API}/orders/7`, jti: 'vector-rs256', want: 'ok' });
await add('PS256 GET, htu with a default port and an upper-case host', { sub: 'dave', bound: 'ps256', method: 'GET', url: `${API}/resource`, htu: 'https://API.example.com:443/resource', jti: 'vector-ps256', want: 'ok' });
await add('ES256 with the server nonce', { sub: 'erin', bound: 'es256', method: 'GET', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-nonce', nonce: serverNonce(NOW, 7), nonces: true, want: 'ok' });
await add('ES256 without the server nonce', { sub: 'erin', bound: 'es256', method: 'GET', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-no-nonce', nonces: true, want: 'use_dpop_nonce' });
await add('wrong htu', { sub: 'alice', bound: 'es256', method: 'GET', url: `${API}/resource`, htu: `${API}/admin`, jti: 'vector-wrong-htu', want: 'invalid_dpop_proof' });
await add('wrong htm', { sub: 'alice', bound: 'es256', method: 'GET', htm: 'PUT', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-wrong-htm', want: 'invalid_dpop_proof' });
await add('stale iat', { sub: 'alice', bound: 'es256', method: 'GET', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-stale', iat: NOW - 120, want: 'invalid_dpop_proof' });
await add('typ JWT', { sub: 'alice', bound: 'es256', method: 'GET', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-typ', typ: 'JWT', want: 'invalid_dpop_proof' });
await add('proof key is not the bound key', { sub: 'alice', bound: 'es256', signer: 'other', method: 'GET', url: `${API}/resource`, htu: `${API}/resource`, jti: 'vector-other-key', want: 'invalid_token' });

const out = {
  generator: 'testdata/dpop/gen.mjs with jose ' + JSON.parse(readFileSync(new URL('./node_modules/jose/package.json', import.meta.url))).version,
  regenerate: 'cd testdata/dpop && npm ci && node gen.mjs > vectors.json',
  now: NOW,
  issuer: ISSUER,
  issuer_jwk: publicJWK(keys.issuer.jwk),
  nonce_secret: NONCE_SECRET,
  nonce_lifetime: NONCE_LIFETIME,
  thumbprints: jkt,
  cases,
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
