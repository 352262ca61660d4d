package main

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/limits"
	"github.com/regiestains/ateliers/webhooks"
)

// config is every setting of the server, read from the environment. Defaults suit the demo.
type config struct {
	Port             int           // PORT [8080]
	ListenHost       string        // LISTEN_HOST [all interfaces]; `make run` sets 127.0.0.1 for the demo
	DatabaseURL      string        // DATABASE_URL (required; `make run` sets it to the embedded cluster)
	DatabaseReadURL  string        // DATABASE_READ_URL [none]: a streaming replica for the catalogue reads of queries (graph.Resolver.reader)
	ReadMaxLag       time.Duration // DATABASE_READ_MAX_LAG [5s]: past this lag, reads go to the primary (db.Standby)
	ReadTimeout      time.Duration // DATABASE_READ_TIMEOUT [2s]: a statement on the replica, or its check, must answer within it
	DemoData         bool          // DEMO_DATA [false]: load the Stains sample data once
	CORSOrigins      []string      // CORS_ALLOWED_ORIGINS, comma-separated [none]
	MaxBodyBytes     int64         // MAX_BODY_BYTES [65536]
	RequestTimeout   time.Duration // REQUEST_TIMEOUT [10s]: deadline of every operation
	StatementTimeout time.Duration // STATEMENT_TIMEOUT [5s]: PostgreSQL statement_timeout
	LockTimeout      time.Duration // LOCK_TIMEOUT [3s]: PostgreSQL lock_timeout
	MaxConns         int32         // DATABASE_MAX_CONNS [10]
	ReadMaxConns     int32         // DATABASE_READ_MAX_CONNS [DATABASE_MAX_CONNS]: the replica's pool
	PageCache        bool          // PAGE_CACHE [on]: anonymous catalogue pages from memory until they change (package pagecache)
	DebugAddr        string        // DEBUG_ADDR [off]: Go's profiler on its own listener, e.g. 127.0.0.1:6060
	MetricsAddr      string        // METRICS_ADDR [off]: Prometheus metrics at /metrics on their own listener, e.g. :9090
	Tracing          bool          // OpenTelemetry traces: on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
	// Messages (package messages).
	SMTPURL         string // SMTP_URL [none]: smtp://user:password@host:587 (STARTTLS) or smtps://…:465; no email without it
	MailFrom        string // MAIL_FROM: the sender of emails, required with SMTP_URL
	MessageLinkBase string // MESSAGE_LINK_BASE [none]: the page a message links to, a management token appended; no link without it
	ReminderHour    int    // REMINDER_HOUR [18]: reminders go the day before the slot at this hour, Paris time
	JobWorkers      int    // JOB_WORKERS [10]: jobs this instance runs at once; 0: none (other instances run them)
	SMSPerSecond    int    // SMS_PER_SECOND [10]: SMS this instance hands the provider a second at most
	EmailPerSecond  int    // EMAIL_PER_SECOND [10]: emails this instance hands the SMTP server a second at most
	// Webhooks (package webhooks).
	WebhookTimeout       time.Duration   // WEBHOOK_TIMEOUT [10s]: one delivery attempt, connection included
	WebhookRetries       []time.Duration // WEBHOOK_RETRY_DELAYS [webhooks.DefaultRetries, about three days]: comma-separated waits after each failed attempt
	WebhookAllowLoopback bool            // WEBHOOK_ALLOW_LOOPBACK [off]: endpoints on this machine (http too), for tests and local development only
	WebhookWorkers       int             // WEBHOOK_WORKERS [10]: deliveries this instance makes at once (with JOB_WORKERS > 0)
	// WEBHOOK_SECRETS_KEY [none: secrets kept unencrypted, with a warning]: 32 bytes in base64
	// (openssl rand -base64 32) that seal the endpoints' signing secrets at rest.
	WebhookSecrets *webhooks.Vault
	// SMS by Twilio: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN [none: no SMS], with
	// TWILIO_FROM (an alphanumeric sender, at most 11 letters and digits) or
	// TWILIO_MESSAGING_SERVICE_SID; TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to call the
	// API with a key rather than the auth token, which then only checks receipts.
	TwilioAccountSID, TwilioAuthToken, TwilioFrom, TwilioMessagingService string
	TwilioKeySID, TwilioKeySecret                                         string
	TwilioBaseURL                                                         string // TWILIO_BASE_URL [https://api.twilio.com]
	// PublicURL is the API's address as the world reaches it (PUBLIC_URL, e.g.
	// https://api.example.fr): delivery receipts are posted to PUBLIC_URL/receipts/twilio.
	PublicURL string
	// The public website's pages the open data and the structured data link to, each followed
	// by a global id: SLOT_PAGE_BASE (e.g. https://ateliers.example.fr/creneaux/) and
	// WORKSHOP_PAGE_BASE (e.g. https://ateliers.example.fr/ateliers/) [none: no link].
	SlotPageBase, WorkshopPageBase string
	// DataInclusionSource is the producer's name in the data·inclusion records
	// (DATA_INCLUSION_SOURCE [ateliers-numeriques]), the prefix of their ids.
	DataInclusionSource string
	// TrustedProxies are the proxies (TRUSTED_PROXIES: comma-separated addresses or CIDR
	// prefixes [none]) whose X-Forwarded-For names the client of an anonymous call.
	TrustedProxies []netip.Prefix
	// Limits are the query and rate limits (limits.DefaultLimits), each overridable by the
	// variable named in limitVars.
	Limits limits.Limits
	// Live are the limits of live seat counts (LIVE_*, live_config.go).
	Live liveSettings
	// Retention is how long personal data is kept, by purpose (db.Retention, in days):
	// RETENTION_CONTACT_DAYS [183], RETENTION_FOLLOW_UP_DAYS [548],
	// RETENTION_EQUIPMENT_DAYS [365], RETENTION_AUDIT_DAYS [365].
	Retention db.Retention
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Port: 8080, MaxBodyBytes: 64 << 10, RequestTimeout: 10 * time.Second,
		StatementTimeout: 5 * time.Second, LockTimeout: 3 * time.Second, MaxConns: 10,
		Limits: limits.DefaultLimits(), PageCache: true, ReminderHour: 18, JobWorkers: 10,
		SMSPerSecond: 10, EmailPerSecond: 10, WebhookTimeout: 10 * time.Second, WebhookWorkers: 10,
		WebhookRetries: webhooks.DefaultRetries, ReadMaxLag: 5 * time.Second, ReadTimeout: 2 * time.Second,
		Retention: db.DefaultRetention,
	}
	var errs []string
	intVar := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, name+" must be a positive integer")
			}
			*dst = n
		}
	}
	durationVar := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, name+" must be a positive duration like 5s")
			}
			*dst = d
		}
	}
	onOffVar := func(name string, dst *bool) {
		switch getenv(name) {
		case "": // the default
		case "on":
			*dst = true
		case "off":
			*dst = false
		default:
			errs = append(errs, name+" must be on or off")
		}
	}
	intVar("PORT", &c.Port)
	c.ListenHost = getenv("LISTEN_HOST")
	c.DatabaseURL = getenv("DATABASE_URL")
	if c.DatabaseURL == "" {
		errs = append(errs, "DATABASE_URL is not set (`make run` starts a local PostgreSQL and sets it)")
	}
	c.DatabaseReadURL = getenv("DATABASE_READ_URL")
	c.DebugAddr = getenv("DEBUG_ADDR")
	c.MetricsAddr = getenv("METRICS_ADDR")
	c.Tracing = tracingOn(getenv)
	if c.DebugAddr != "" && !loopback(c.DebugAddr) {
		errs = append(errs, "DEBUG_ADDR must be a loopback address such as 127.0.0.1:6060: the profiler shows the server's insides")
	}
	onOffVar("PAGE_CACHE", &c.PageCache)
	c.DemoData = getenv("DEMO_DATA") == "1" || getenv("DEMO_DATA") == "true"
	for _, o := range strings.Split(getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	body := int(c.MaxBodyBytes)
	intVar("MAX_BODY_BYTES", &body)
	c.MaxBodyBytes = int64(body)
	durationVar("REQUEST_TIMEOUT", &c.RequestTimeout)
	durationVar("STATEMENT_TIMEOUT", &c.StatementTimeout)
	durationVar("LOCK_TIMEOUT", &c.LockTimeout)
	durationVar("DATABASE_READ_MAX_LAG", &c.ReadMaxLag)
	durationVar("DATABASE_READ_TIMEOUT", &c.ReadTimeout)
	conns := int(c.MaxConns)
	intVar("DATABASE_MAX_CONNS", &conns)
	c.MaxConns = int32(conns)
	intVar("DATABASE_READ_MAX_CONNS", &conns)
	c.ReadMaxConns = int32(conns)
	for _, p := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := parsePrefix(p)
		if err != nil {
			errs = append(errs, "TRUSTED_PROXIES: "+err.Error())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	c.SMTPURL, c.MailFrom, c.MessageLinkBase = getenv("SMTP_URL"), getenv("MAIL_FROM"), getenv("MESSAGE_LINK_BASE")
	if c.SMTPURL != "" && c.MailFrom == "" {
		errs = append(errs, "MAIL_FROM must name the sender of emails when SMTP_URL is set")
	}
	for name, base := range map[string]*string{"SLOT_PAGE_BASE": &c.SlotPageBase, "WORKSHOP_PAGE_BASE": &c.WorkshopPageBase} {
		if *base = getenv(name); *base != "" && !isPageBase(*base) {
			errs = append(errs, name+" must be an absolute http(s) address ending in / or =, e.g. https://ateliers.example.fr/creneaux/")
		}
	}
	c.DataInclusionSource = cmp.Or(getenv("DATA_INCLUSION_SOURCE"), "ateliers-numeriques")
	if !sourcePattern.MatchString(c.DataInclusionSource) {
		errs = append(errs, "DATA_INCLUSION_SOURCE must be 3 to 50 lowercase letters, digits and dashes")
	}
	if v := getenv("REMINDER_HOUR"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 9 || n > 19 {
			errs = append(errs, "REMINDER_HOUR must be an hour from 9 to 19: no SMS goes out from 20:00 to 9:00")
		} else {
			c.ReminderHour = n
		}
	}
	if v := getenv("JOB_WORKERS"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			errs = append(errs, "JOB_WORKERS must be 0 (this instance runs no jobs) or a positive integer")
		} else {
			c.JobWorkers = n
		}
	}
	durationVar("WEBHOOK_TIMEOUT", &c.WebhookTimeout)
	intVar("WEBHOOK_WORKERS", &c.WebhookWorkers)
	onOffVar("WEBHOOK_ALLOW_LOOPBACK", &c.WebhookAllowLoopback)
	var vaultKey []byte
	if v := getenv("WEBHOOK_SECRETS_KEY"); v != "" {
		var err error
		if vaultKey, err = base64.StdEncoding.DecodeString(v); err != nil || len(vaultKey) != 32 {
			errs = append(errs, "WEBHOOK_SECRETS_KEY must be 32 bytes in base64, such as `openssl rand -base64 32` writes")
			vaultKey = nil
		}
	}
	c.WebhookSecrets, _ = webhooks.NewVault(vaultKey) // the length is checked above
	if v := getenv("WEBHOOK_RETRY_DELAYS"); v != "" {
		c.WebhookRetries = nil
		for _, f := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d <= 0 {
				errs = append(errs, "WEBHOOK_RETRY_DELAYS must be positive durations separated by commas, like 5s,1m,1h")
				break
			}
			c.WebhookRetries = append(c.WebhookRetries, d)
		}
	}
	for _, r := range []struct {
		name string
		dst  *time.Duration
	}{{"RETENTION_CONTACT_DAYS", &c.Retention.Contact}, {"RETENTION_FOLLOW_UP_DAYS", &c.Retention.FollowUp},
		{"RETENTION_EQUIPMENT_DAYS", &c.Retention.Equipment}, {"RETENTION_AUDIT_DAYS", &c.Retention.Audit}} {
		if v := getenv(r.name); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 3650 {
				errs = append(errs, r.name+" must be a number of days from 1 to 3650")
			} else {
				*r.dst = time.Duration(n) * 24 * time.Hour
			}
		}
	}
	intVar("SMS_PER_SECOND", &c.SMSPerSecond)
	intVar("EMAIL_PER_SECOND", &c.EmailPerSecond)
	c.TwilioAccountSID, c.TwilioAuthToken = getenv("TWILIO_ACCOUNT_SID"), getenv("TWILIO_AUTH_TOKEN")
	c.TwilioFrom, c.TwilioMessagingService = getenv("TWILIO_FROM"), getenv("TWILIO_MESSAGING_SERVICE_SID")
	c.TwilioKeySID, c.TwilioKeySecret = getenv("TWILIO_API_KEY_SID"), getenv("TWILIO_API_KEY_SECRET")
	c.TwilioBaseURL = getenv("TWILIO_BASE_URL")
	if c.TwilioBaseURL == "" {
		c.TwilioBaseURL = "https://api.twilio.com"
	}
	c.PublicURL = strings.TrimRight(getenv("PUBLIC_URL"), "/")
	if c.TwilioAccountSID != "" {
		switch {
		case c.TwilioAuthToken == "":
			errs = append(errs, "TWILIO_AUTH_TOKEN must be set with TWILIO_ACCOUNT_SID: it signs delivery receipts")
		case c.TwilioFrom == "" && c.TwilioMessagingService == "":
			errs = append(errs, "TWILIO_FROM (an alphanumeric sender) or TWILIO_MESSAGING_SERVICE_SID must be set with TWILIO_ACCOUNT_SID")
		case c.TwilioFrom != "" && (len(c.TwilioFrom) > 11 || !alphanumericSender.MatchString(c.TwilioFrom)):
			errs = append(errs, "TWILIO_FROM must be 1 to 11 letters and digits, with at least one letter: French operators refuse other senders of automated SMS")
		case c.PublicURL == "":
			errs = append(errs, "PUBLIC_URL must be set with TWILIO_ACCOUNT_SID: Twilio posts delivery receipts to PUBLIC_URL/receipts/twilio")
		}
	}
	var liveErrs []string
	c.Live, liveErrs = loadLiveSettings(getenv)
	errs = append(errs, liveErrs...)
	onOffVar("RATE_LIMITS", &c.Limits.RateLimits)
	onOffVar("INTROSPECTION", &c.Limits.Introspection)
	for _, v := range limitVars(&c.Limits) {
		n := -1
		if intVar(v.name, &n); n > 0 {
			v.set(n)
		}
	}
	for _, kind := range []struct {
		name string
		l    limits.CallerLimits
	}{{"ANONYMOUS", c.Limits.Anonymous}, {"KEY", c.Limits.Key}} {
		if kind.l.Cost.Burst < float64(kind.l.QueryCost) {
			errs = append(errs, "COST_BURST_"+kind.name+" must be at least QUERY_COST_LIMIT_"+kind.name+": an operation under the limit must fit in the budget")
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// alphanumericSender is a sender ID French operators accept for automated SMS.
var alphanumericSender = regexp.MustCompile(`^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)$`)

// parsePrefix reads an address (one host) or a CIDR prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err == nil && p.Addr().Is4In6() && p.Bits() >= 96 { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// loopback tells whether addr (host:port) listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// sourcePattern is a data·inclusion producer's name: its ids are "<source>--<id>".
var sourcePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,49}$`)

// isPageBase reports whether base can be followed by an id to make a page's address: absolute,
// http(s), with a host, no fragment, and ending where an id may follow.
func isPageBase(base string) bool {
	u, err := url.Parse(base)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Fragment == "" &&
		len(base) <= 500 && (strings.HasSuffix(base, "/") || strings.HasSuffix(base, "="))
}
