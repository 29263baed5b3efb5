// Package temporalx connects Switchboard to Temporal: client options from
// the configuration (TLS, mTLS, API key), the Sb* search attributes, and
// the readiness checks of the namespace and the task queue.
package temporalx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/payloadcodec"
)

// ClientOptions builds the Temporal client options of cfg: address and
// namespace; TLS when asked for or implied (a client certificate for mTLS,
// a CA bundle, a server name, or an API key, which Temporal Cloud only
// accepts over TLS); the SDK's logger routed into slog; the metrics handler
// (nil: none); and the payload codec of SWITCHBOARD_PAYLOAD_KEY, through
// which every payload and failure message the SDK writes is encrypted.
func ClientOptions(cfg config.Config, logger *slog.Logger, mh client.MetricsHandler) (client.Options, error) {
	opts := client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		MetricsHandler: mh,
	}
	codec, err := PayloadCodec(cfg)
	if err != nil {
		return opts, err
	}
	if codec != nil {
		opts.DataConverter = payloadcodec.DataConverter(codec)
		opts.FailureConverter = payloadcodec.FailureConverter(opts.DataConverter)
	}
	if logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(logger)
	}
	tlsCfg, err := TLSConfig(cfg)
	if err != nil {
		return opts, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	return opts, nil
}

// PayloadCodec is the codec of SWITCHBOARD_PAYLOAD_KEY and _PREVIOUS (nil
// when neither is set: only `migrate` and tests without keys run so).
func PayloadCodec(cfg config.Config) (*payloadcodec.Codec, error) {
	enc, all := cfg.PayloadKeys()
	if len(all) == 0 {
		return nil, nil
	}
	c, err := payloadcodec.New(enc, all...)
	if err != nil {
		return nil, fmt.Errorf("SWITCHBOARD_PAYLOAD_KEY: %w", err)
	}
	return c, nil
}

// TLSConfig returns nil for a plaintext connection, else the TLS settings.
func TLSConfig(cfg config.Config) (*tls.Config, error) {
	if !cfg.TemporalUsesTLS() {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}
	if cfg.TemporalTLSCert != "" || cfg.TemporalTLSKey != "" {
		if cfg.TemporalTLSCert == "" || cfg.TemporalTLSKey == "" {
			return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together")
		}
		pair, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	if cfg.TemporalTLSCA != "" {
		pem, err := os.ReadFile(cfg.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA=%s: no PEM certificate in it", cfg.TemporalTLSCA)
		}
		t.RootCAs = pool
	}
	return t, nil
}
