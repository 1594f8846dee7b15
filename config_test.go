package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DataDir != "./data" {
		t.Errorf("got addr %q data %q, want 127.0.0.1:8080 ./data", cfg.Addr, cfg.DataDir)
	}
	if cfg.Craftgate.Live() || cfg.Paywall.Live() {
		t.Error("no credentials must mean sandbox for both APIs")
	}
	if cfg.Payments.Timeout != 15*time.Minute {
		t.Errorf("payment timeout %v, want 15m", cfg.Payments.Timeout)
	}
}

func TestLoadConfigFlagsBeatEnvironment(t *testing.T) {
	cfg, err := LoadConfig([]string{"-addr", ":9999", "-data", "/tmp/x"}, envOf(map[string]string{"LINKDESK_ADDR": "127.0.0.1:1", "LINKDESK_DATA": "/nope"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9999" || cfg.DataDir != "/tmp/x" {
		t.Errorf("got %q %q, want :9999 /tmp/x", cfg.Addr, cfg.DataDir)
	}
}

func TestLoadConfigLive(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"CRAFTGATE_API_KEY": "k", "CRAFTGATE_SECRET_KEY": "s",
		"PAYWALL_PUBLIC_KEY": "pk", "PAYWALL_PUBLIC_CLIENT": "pc", "PAYWALL_BASE_URL": "https://test-payment-api.itspaywall.com/",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Craftgate.BaseURL != defaultCraftgateURL {
		t.Errorf("craftgate base %q, want default %q", cfg.Craftgate.BaseURL, defaultCraftgateURL)
	}
	if cfg.Paywall.BaseURL != "https://test-payment-api.itspaywall.com" {
		t.Errorf("paywall base %q, want the given one without trailing slash", cfg.Paywall.BaseURL)
	}
}

func TestLoadConfigLogFormat(t *testing.T) {
	for format, wantJSON := range map[string]bool{"": false, "text": false, "json": true, " json ": true} {
		cfg, err := LoadConfig(nil, envOf(map[string]string{"LINKDESK_LOG_FORMAT": format}), io.Discard)
		if err != nil || cfg.LogJSON != wantJSON {
			t.Errorf("LINKDESK_LOG_FORMAT=%q: got JSON %v, %v, want %v", format, cfg.LogJSON, err, wantJSON)
		}
	}
}

func TestLoadConfigTrustedProxies(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(map[string]string{"LINKDESK_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.10 ,2001:db8::1"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range cfg.HTTP.TrustedProxies {
		got = append(got, n.String())
	}
	if want := "10.0.0.0/8 192.0.2.10/32 2001:db8::1/128"; strings.Join(got, " ") != want {
		t.Errorf("trusted proxies %v, want %s", got, want)
	}
	if cfg, _ := LoadConfig(nil, envOf(nil), io.Discard); len(cfg.HTTP.TrustedProxies) != 0 {
		t.Errorf("by default trusted %v, want nobody", cfg.HTTP.TrustedProxies)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"craftgate key without secret", map[string]string{"CRAFTGATE_API_KEY": "k"}, nil, "CRAFTGATE_SECRET_KEY is missing"},
		{"craftgate secret without key", map[string]string{"CRAFTGATE_SECRET_KEY": "s"}, nil, "CRAFTGATE_API_KEY is missing"},
		{"paywall half", map[string]string{"PAYWALL_PUBLIC_KEY": "k"}, nil, "PAYWALL_PUBLIC_CLIENT is missing"},
		{"base URL without keys", map[string]string{"CRAFTGATE_BASE_URL": "https://api.craftgate.io"}, nil, "CRAFTGATE_BASE_URL is set"},
		{"bad base URL", map[string]string{"PAYWALL_PUBLIC_KEY": "k", "PAYWALL_PUBLIC_CLIENT": "c", "PAYWALL_BASE_URL": "ftp://x"}, nil, "PAYWALL_BASE_URL"},
		{"bad public URL", map[string]string{"LINKDESK_PUBLIC_URL": "shop.example"}, nil, "LINKDESK_PUBLIC_URL"},
		{"bad addr", nil, []string{"-addr", "8080"}, "host:port"},
		{"bad timeout", map[string]string{"LINKDESK_PAYMENT_TIMEOUT": "soon"}, nil, "LINKDESK_PAYMENT_TIMEOUT"},
		{"short session key", map[string]string{"LINKDESK_SESSION_KEYS": "abcd"}, nil, "LINKDESK_SESSION_KEYS"},
		{"no import workers", map[string]string{"LINKDESK_IMPORT_WORKERS": "0"}, nil, "LINKDESK_IMPORT_WORKERS"},
		{"import lease too short", map[string]string{"LINKDESK_IMPORT_LEASE": "10ms"}, nil, "LINKDESK_IMPORT_LEASE"},
		{"proxy not a CIDR", map[string]string{"LINKDESK_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, nil, "LINKDESK_TRUSTED_PROXIES"},
		{"stray argument", nil, []string{"serve"}, "unexpected argument"},
		{"log format typo", map[string]string{"LINKDESK_LOG_FORMAT": "jsn"}, nil, "LINKDESK_LOG_FORMAT"},
		{"log format in capitals", map[string]string{"LINKDESK_LOG_FORMAT": "JSON"}, nil, "must be text or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(tt.args, envOf(tt.env), io.Discard)
			var ce *configError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a configError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("top-secret-value")
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("cfg", "key", s)
	fmt.Fprintf(&b, "%v %s %+v %#v", s, s, s, s)
	if strings.Contains(b.String(), "top-secret-value") {
		t.Errorf("secret leaked: %s", b.String())
	}
	if s.Reveal() != "top-secret-value" {
		t.Error("Reveal must return the value")
	}
}

// TestRunFlagMistakes: a bad flag is one line naming it, returned for main
// to print; the flag package itself prints nothing.
func TestRunFlagMistakes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-colour"}, "flag provided but not defined: -colour"},
		{"flag without value", []string{"-addr"}, "flag needs an argument: -addr"},
		{"user unknown flag", []string{"user", "list", "-colour"}, "flag provided but not defined: -colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envOf(map[string]string{"LINKDESK_DATA": t.TempDir()}), strings.NewReader(""), &stdout, &stderr)
			var ce *configError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one configError line containing %q", err, tt.want)
			}
			if stdout.Len()+stderr.Len() != 0 {
				t.Errorf("printed stdout %q stderr %q, want nothing (main prints the error once)", stdout.String(), stderr.String())
			}
		})
	}
}

// TestRunHelp: -h prints usage and the flags on stdout and is no error.
func TestRunHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-h"}, []string{"usage:", "-addr", "-data", "LINKDESK_DATA"}},
		{[]string{"-help"}, []string{"usage:", "-addr"}},
		{[]string{"user", "-h"}, []string{"linkdesk user add", "linkdesk user enable"}},
		{[]string{"user", "add", "-h"}, []string{"linkdesk user add", "-email", "-role"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, envOf(map[string]string{"LINKDESK_DATA": dir}), strings.NewReader(""), &stdout, &stderr)
		if err != nil || stderr.Len() != 0 {
			t.Errorf("%q: got %v, stderr %q, want no error and nothing on stderr", tt.args, err, stderr.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%q: stdout %q, want it to contain %q", tt.args, stdout.String(), w)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%q: help wrote %v to the data folder", tt.args, entries)
		}
	}
}

func TestLoadConfigDatabaseAndInstance(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		wantDatabase string
		wantInstance string
	}{
		{"SQLite by default", nil, map[string]string{"LINKDESK_ADDR": "127.0.0.1:8181"}, "", host + ":8181"},
		{"from the environment", nil, map[string]string{"LINKDESK_DATABASE_URL": "postgres://shop:pw@db/linkdesk", "LINKDESK_INSTANCE": "kasa-1"},
			"postgres://shop:pw@db/linkdesk", "kasa-1"},
		{"the flag wins", []string{"-database", "postgresql://shop:other@db2/linkdesk?pool_max_conns=4"}, map[string]string{"LINKDESK_DATABASE_URL": "postgres://shop:pw@db/linkdesk"},
			"postgresql://shop:other@db2/linkdesk?pool_max_conns=4", host + ":8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(tt.args, envOf(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Database.Reveal() != tt.wantDatabase || cfg.Instance != tt.wantInstance {
				t.Errorf("got database %q instance %q, want %q and %q", cfg.Database.Reveal(), cfg.Instance, tt.wantDatabase, tt.wantInstance)
			}
			if s := fmt.Sprintf("%v %+v", cfg, cfg); strings.Contains(s, ":pw@") || strings.Contains(s, ":other@") {
				t.Errorf("the configuration prints the database password: %s", s)
			}
		})
	}
}
