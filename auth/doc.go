// Package auth holds API tokens, console users, roles and permissions.
//
// A token is shown to its owner exactly once, as "bwk_<id>_<secret>" with a
// 256-bit random secret. Only its SHA-256 hash is stored; a presented token is
// looked up by its public id and its hash compared in constant time, so the
// store never holds anything that would let a reader of the database act as a
// token's owner. (A fast hash is right here: the secret is random and long,
// so there is nothing for a slow password hash to protect against.)
//
// Roles are admin, analyst and viewer; each route or command asks for a
// Permission and the role table decides.
//
// Users (Users, UserStore) are people who sign in to the console with a
// password (Argon2id, PHC-encoded, DefaultPasswordParams, rehashed when the
// parameters change) and a second factor, which every user must have: a
// WebAuthn passkey (phishing-resistant, bound to the RP ID and origin), or a
// TOTP code (each accepted once), or a one-time recovery code. A user is
// created with a one-time enrolment secret; with it the person sets a
// password and enrols a second factor, and receives recovery codes once.
//
// A sign-in makes a Session: the cookie carries a 256-bit secret
// ("bws_<hex>"), the store keeps its SHA-256. The session id rotates when
// the second factor completes; sessions end after an idle and an absolute
// timeout, at sign-out, or when revoked by their user or an admin; each has
// a CSRF secret its forms carry (CheckCSRF). Principal turns a full
// session into a *Token with the user's role, so Authorize and the audit
// actor (Token.Actor: "user:<name>") treat a signed-in user and an API
// token alike.
//
// Sign-in failures are limited per client address and per account
// (SignInLimits) without locking out other users, or the account's owner
// signing in from an address that signed in before. Every sign-in, failure,
// enrolment, role change, disable, MFA reset and session revocation is
// written to the audit log, never with a secret.
package auth
