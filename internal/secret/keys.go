package secret

// ParseKey decodes a base64 key of 32 bytes (any of the four base64
// alphabets), as SWITCHBOARD_SECRET_KEY and SWITCHBOARD_PAYLOAD_KEY are
// written. The error never contains the key.
func ParseKey(s string) ([]byte, error) { return decodeKey(s) }

// KeyID names a key without revealing it: the first 8 hex digits of its
// SHA-256. Ciphertexts carry it, so that the right key opens them.
func KeyID(raw []byte) string { return keyID(raw) }
