// Package payloadcodec encrypts what Switchboard hands to Temporal: every
// payload the SDK writes (workflow inputs, signals, updates, queries,
// activity inputs and results, markers) passes through Codec, a Temporal
// PayloadCodec using AES-256-GCM, so that Temporal's database and its UI
// never hold our customers' words in clear. Payloads written before
// encryption was switched on are read as they are.
package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/internal/secret"
)

// Metadata of an encrypted payload. The encoding tells decoders (ours, the
// Temporal UI through our codec endpoint) that the data is not readable as
// is; the key id picks the key among the current and previous ones.
const (
	MetadataEncoding = "encoding"
	MetadataKeyID    = "encryption-key-id"
	MetadataCipher   = "encryption-cipher"
	EncodingName     = "binary/encrypted"
	CipherName       = "AES-256-GCM"
)

// associatedData binds a ciphertext to this use and to its key id, so that
// one cannot be presented as another kind of secret.
func associatedData(keyID string) []byte { return []byte("switchboard-temporal-payload:v1:" + keyID) }

// Errors of Decode; test with errors.Is.
var (
	ErrUnknownKey = errors.New("payloadcodec: payload encrypted with a key that is not configured (SWITCHBOARD_PAYLOAD_KEY / _PREVIOUS)")
	ErrTampered   = errors.New("payloadcodec: payload failed authentication (tampered, or wrong key)")
)

type key struct {
	id   string
	aead cipher.AEAD
}

// Codec encrypts with one key and decrypts with any configured key. With no
// encrypting key it only decrypts (the first step of switching encryption
// on: every worker must read encrypted payloads before any writes them).
type Codec struct {
	encrypting *key
	keys       map[string]key
}

// New takes the encrypting key ("" for none) and every key that may have
// written a payload (base64, 32 bytes each), the encrypting one included.
func New(encrypting string, all ...string) (*Codec, error) {
	c := &Codec{keys: map[string]key{}}
	for i, s := range append([]string{encrypting}, all...) {
		if s == "" {
			continue
		}
		raw, err := secret.ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("payload key %d: %w", i, err)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k := key{id: secret.KeyID(raw), aead: aead}
		c.keys[k.id] = k
		if i == 0 {
			c.encrypting = &k
		}
	}
	if len(c.keys) == 0 {
		return nil, errors.New("payloadcodec: no key")
	}
	return c, nil
}

// Encrypts reports whether the codec writes encrypted payloads.
func (c *Codec) Encrypts() bool { return c.encrypting != nil }

// Encode encrypts each payload (the whole payload, its metadata included:
// the encoding says what the data is) with the encrypting key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.encrypting == nil {
		return payloads, nil
	}
	k := *c.encrypting
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if isEncrypted(p) {
			out[i] = p // already ours: never wrapped twice
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: %w", err)
		}
		nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("payloadcodec: random nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingName),
				MetadataKeyID:    []byte(k.id),
				MetadataCipher:   []byte(CipherName),
			},
			Data: k.aead.Seal(nonce, nonce, plain, associatedData(k.id)),
		}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes every other
// payload through unchanged: histories written before encryption was on
// keep replaying.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !isEncrypted(p) {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		k, ok := c.keys[id]
		if !ok {
			return payloads, fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
		}
		n := k.aead.NonceSize()
		if len(p.GetData()) < n+k.aead.Overhead() {
			return payloads, ErrTampered
		}
		plain, err := k.aead.Open(nil, p.Data[:n], p.Data[n:], associatedData(id))
		if err != nil {
			return payloads, ErrTampered
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return payloads, fmt.Errorf("payloadcodec: decrypted payload: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}

func isEncrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[MetadataEncoding]) == EncodingName
}
