package temporalx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir, name string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

func TestClientOptionsPlaintextByDefault(t *testing.T) {
	cfg := config.Defaults()
	opts, err := ClientOptions(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != "127.0.0.1:7233" || opts.Namespace != "default" || opts.ConnectionOptions.TLS != nil || opts.Credentials != nil {
		t.Fatalf("options: %+v", opts)
	}
}

func TestClientOptionsMutualTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "client")
	ca, _ := writeCert(t, dir, "ca")
	cfg := config.Defaults()
	cfg.TemporalAddress = "temporal.example.internal:7233"
	cfg.TemporalNamespace = "prod"
	cfg.TemporalTLSCert, cfg.TemporalTLSKey, cfg.TemporalTLSCA = cert, key, ca
	cfg.TemporalTLSServerName = "frontend.temporal"
	opts, err := ClientOptions(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tls := opts.ConnectionOptions.TLS
	if tls == nil || len(tls.Certificates) != 1 || tls.RootCAs == nil || tls.ServerName != "frontend.temporal" || opts.Credentials != nil {
		t.Fatalf("TLS: %+v", tls)
	}
	if opts.HostPort != cfg.TemporalAddress || opts.Namespace != "prod" {
		t.Fatalf("options: %+v", opts)
	}

	cfg.TemporalTLSKey = filepath.Join(dir, "missing.key")
	if _, err := ClientOptions(cfg, nil, nil); err == nil {
		t.Fatal("a missing key file was accepted")
	}
	cfg.TemporalTLSKey = key
	cfg.TemporalTLSCA = key // not a certificate
	if _, err := ClientOptions(cfg, nil, nil); err == nil {
		t.Fatal("a CA file without certificates was accepted")
	}
}

func TestClientOptionsAPIKeyImpliesTLS(t *testing.T) {
	cfg := config.Defaults()
	cfg.TemporalAddress = "eu-west-1.aws.api.temporal.io:7233"
	cfg.TemporalAPIKey = "an-api-key"
	opts, err := ClientOptions(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Credentials == nil {
		t.Fatal("no credentials with an API key")
	}
	if opts.ConnectionOptions.TLS == nil || opts.ConnectionOptions.TLS.RootCAs != nil {
		t.Fatalf("TLS with the system roots expected, got %+v", opts.ConnectionOptions.TLS)
	}
}

func TestTLSFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "client")
	t.Setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", cert)
	t.Setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", key)
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	opts, err := ClientOptions(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnectionOptions.TLS == nil || len(opts.ConnectionOptions.TLS.Certificates) != 1 {
		t.Fatalf("TLS: %+v", opts.ConnectionOptions.TLS)
	}
}
