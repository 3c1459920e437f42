package onchain

// DecodeVersionString is decodeVersionString, for the external tests.
var DecodeVersionString = decodeVersionString
