// Package auth holds API tokens, roles and permissions.
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
package auth
