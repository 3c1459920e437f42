package safe

// DecodeVersionString is decodeVersionString, for the external tests.
var DecodeVersionString = decodeVersionString
