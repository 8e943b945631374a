// Package deploy_test checks the deployment files against the code: the
// Kubernetes manifests are decoded strictly into the real API types
// (k8s.io/api), the Compose file and the Dockerfile are read as data, and
// every environment variable they set must be one README.md documents and
// internal/config accepts. No Docker engine or cluster is needed.
package deploy_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/journeybot/journeybot/internal/config"
)

const (
	nameLabel = "app.kubernetes.io/name"
	appName   = "journeybot"
	httpPort  = 3000
)

// ---- helpers ----

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeStrict decodes the one YAML document in path into v, failing on
// unknown or duplicate fields. sigs.k8s.io/yaml reads only the first
// document, so a second one is refused rather than silently ignored.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	data := readFile(t, path)
	if err := oneDocument(data); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func oneDocument(data []byte) error {
	content := false
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "---" && content:
			return fmt.Errorf("line %d: several YAML documents; keep one per file", i+1)
		case trimmed != "" && !strings.HasPrefix(trimmed, "#"):
			content = true
		}
	}
	return nil
}

// readmeVars returns the variables of README.md's Configuration table: the
// backquoted names in the first cell of each row.
func readmeVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	inSection := false
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]*)`")
	sc := bufio.NewScanner(strings.NewReader(string(readFile(t, "../README.md"))))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inSection = strings.TrimSpace(line) == "## Configuration"
			continue
		}
		if !inSection || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			vars[m[1]] = true
		}
	}
	if len(vars) < 5 || !vars["SLACK_BOT_TOKEN"] || !vars["REDIS_URL"] {
		t.Fatalf("README.md: Configuration table not found or incomplete: %v", slices.Sorted(maps.Keys(vars)))
	}
	return vars
}

// shutdownBudget adds up the shutdown deadlines of internal/app/serve.go
// (httpShutdown and drainShutdown, written as N * time.Second): the time a
// replica may take to exit after SIGTERM.
func shutdownBudget(t *testing.T) time.Duration {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../internal/app/serve.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute}
	found := map[string]time.Duration{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, id := range spec.Names {
			if (id.Name != "httpShutdown" && id.Name != "drainShutdown") || i >= len(spec.Values) {
				continue
			}
			bin, ok := spec.Values[i].(*ast.BinaryExpr)
			if !ok || bin.Op != token.MUL {
				continue
			}
			lit, ok1 := bin.X.(*ast.BasicLit)
			sel, ok2 := bin.Y.(*ast.SelectorExpr)
			if !ok1 || !ok2 || units[sel.Sel.Name] == 0 {
				continue
			}
			n, err := strconv.Atoi(lit.Value)
			if err != nil {
				continue
			}
			found[id.Name] = time.Duration(n) * units[sel.Sel.Name]
		}
		return true
	})
	if len(found) != 2 {
		t.Fatalf("internal/app/serve.go: want httpShutdown and drainShutdown as N * time.Unit, found %v", found)
	}
	return found["httpShutdown"] + found["drainShutdown"]
}

// deref prints a pointer's value, or "unset".
func deref[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// envOf turns a map of variables into a getenv for config.Load.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// ---- Kubernetes ----

type manifests struct {
	deploy  appsv1.Deployment
	svc     corev1.Service
	pdb     policyv1.PodDisruptionBudget
	cm      corev1.ConfigMap
	secret  corev1.Secret
	kustom  kustomization
	podSpec *corev1.PodSpec
	ctr     *corev1.Container
}

// kustomization is the part of kustomize's Kustomization type these files
// use; decoding strictly into it catches a misspelt field.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
		Digest  string `json:"digest,omitempty"`
	} `json:"images,omitempty"`
}

func loadManifests(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{}
	tests := []struct {
		file       string
		obj        any
		apiVersion string
		kind       string
	}{
		{"k8s/deployment.yaml", &m.deploy, "apps/v1", "Deployment"},
		{"k8s/service.yaml", &m.svc, "v1", "Service"},
		{"k8s/pdb.yaml", &m.pdb, "policy/v1", "PodDisruptionBudget"},
		{"k8s/configmap.yaml", &m.cm, "v1", "ConfigMap"},
		{"k8s/secret.example.yaml", &m.secret, "v1", "Secret"},
		{"k8s/kustomization.yaml", &m.kustom, "kustomize.config.k8s.io/v1beta1", "Kustomization"},
	}
	for _, tt := range tests {
		decodeStrict(t, tt.file, tt.obj)
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(readFile(t, tt.file), &tm); err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if tm.APIVersion != tt.apiVersion || tm.Kind != tt.kind {
			t.Errorf("%s: apiVersion/kind = %s/%s, want %s/%s", tt.file, tm.APIVersion, tm.Kind, tt.apiVersion, tt.kind)
		}
	}
	m.podSpec = &m.deploy.Spec.Template.Spec
	if got := len(m.podSpec.Containers); got != 1 {
		t.Fatalf("deployment: %d containers, want 1", got)
	}
	m.ctr = &m.podSpec.Containers[0]
	return m
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// containerPort resolves a probe's or Service's port (number or name).
func containerPort(c *corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return -1
}

func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	// The guard every manifest test relies on: a misspelt field fails.
	var d appsv1.Deployment
	err := yaml.UnmarshalStrict([]byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n"), &d)
	if err == nil || !strings.Contains(err.Error(), "replica") {
		t.Fatalf("UnmarshalStrict with unknown field: err = %v, want an error naming it", err)
	}
}

func TestDeployment(t *testing.T) {
	m := loadManifests(t)
	d, ps, c := &m.deploy, m.podSpec, m.ctr
	tmplLabels := d.Spec.Template.Labels

	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas = %s, want at least 2", deref(d.Spec.Replicas))
	}
	if got := tmplLabels[nameLabel]; got != appName {
		t.Errorf("template label %s = %q, want %q", nameLabel, got, appName)
	}
	if got := d.Labels[nameLabel]; got != appName {
		t.Errorf("metadata label %s = %q, want %q", nameLabel, got, appName)
	}
	if d.Spec.Selector == nil || !subset(d.Spec.Selector.MatchLabels, tmplLabels) {
		t.Errorf("selector %v does not match template labels %v", d.Spec.Selector, tmplLabels)
	}

	var port *corev1.ContainerPort
	for i := range c.Ports {
		if c.Ports[i].ContainerPort == httpPort {
			port = &c.Ports[i]
		}
	}
	if port == nil {
		t.Fatalf("container ports %v: want %d", c.Ports, httpPort)
	}

	probes := []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", c.LivenessProbe, "/healthz"},
		{"readiness", c.ReadinessProbe, "/readyz"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET probe", p.name)
			continue
		}
		if got := p.probe.HTTPGet.Path; got != p.path {
			t.Errorf("%s probe path = %q, want %q", p.name, got, p.path)
		}
		if got := containerPort(c, p.probe.HTTPGet.Port); got != httpPort {
			t.Errorf("%s probe port %v = %d, want %d", p.name, p.probe.HTTPGet.Port.String(), got, httpPort)
		}
	}
	if sp := c.StartupProbe; sp != nil && (sp.HTTPGet == nil || sp.HTTPGet.Path != "/healthz") {
		t.Errorf("startup probe: want GET /healthz")
	}

	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[res]
		lim, okLim := c.Resources.Limits[res]
		switch {
		case !okReq || req.IsZero():
			t.Errorf("resources.requests.%s: not set", res)
		case !okLim || lim.IsZero():
			t.Errorf("resources.limits.%s: not set", res)
		case req.Cmp(lim) > 0:
			t.Errorf("%s: request %s above limit %s", res, req.String(), lim.String())
		}
	}

	nonRoot := (ps.SecurityContext != nil && ps.SecurityContext.RunAsNonRoot != nil && *ps.SecurityContext.RunAsNonRoot) ||
		(c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil && *c.SecurityContext.RunAsNonRoot)
	if !nonRoot {
		t.Error("runAsNonRoot: want true")
	}
	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("container securityContext: missing")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem: want true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation: want false")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Error("capabilities.drop: want ALL")
	}

	budget := shutdownBudget(t)
	if g := ps.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= budget {
		t.Errorf("terminationGracePeriodSeconds = %s, want more than the %s the bot may drain after SIGTERM", deref(g), budget)
	}

	var cmRef, secretRef string
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			cmRef = ef.ConfigMapRef.Name
		}
		if ef.SecretRef != nil {
			secretRef = ef.SecretRef.Name
		}
	}
	if cmRef != m.cm.Name || secretRef != m.secret.Name {
		t.Errorf("envFrom = configMap %q, secret %q; want %q, %q", cmRef, secretRef, m.cm.Name, m.secret.Name)
	}
	for _, e := range c.Env {
		if e.Name == "SLACK_APP_TOKEN" {
			t.Error("container env sets SLACK_APP_TOKEN: several replicas need HTTP mode")
		}
	}
}

func TestServiceAndPDBSelectPods(t *testing.T) {
	m := loadManifests(t)
	pods := m.deploy.Spec.Template.Labels

	if !subset(m.svc.Spec.Selector, pods) {
		t.Errorf("service selector %v does not match pod labels %v", m.svc.Spec.Selector, pods)
	}
	if m.svc.Spec.Type != "" && m.svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("service type = %s, want ClusterIP", m.svc.Spec.Type)
	}
	if len(m.svc.Spec.Ports) != 1 {
		t.Fatalf("service ports = %v, want one", m.svc.Spec.Ports)
	}
	sp := m.svc.Spec.Ports[0]
	if sp.Port != 80 || containerPort(m.ctr, sp.TargetPort) != httpPort {
		t.Errorf("service port %d -> %s, want 80 -> %d", sp.Port, sp.TargetPort.String(), httpPort)
	}

	if m.pdb.Spec.Selector == nil || !subset(m.pdb.Spec.Selector.MatchLabels, pods) {
		t.Errorf("PDB selector %v does not match pod labels %v", m.pdb.Spec.Selector, pods)
	}
	replicas := int32(1) // the API's default
	if m.deploy.Spec.Replicas != nil {
		replicas = *m.deploy.Spec.Replicas
	}
	minAvail := m.pdb.Spec.MinAvailable
	if minAvail == nil || minAvail.Type != intstr.Int || minAvail.IntVal < 1 || minAvail.IntVal >= replicas {
		t.Errorf("PDB minAvailable = %s, want at least 1 and below replicas (%d) so drains can proceed", deref(minAvail), replicas)
	}

	for file, labels := range map[string]map[string]string{
		"service.yaml": m.svc.Labels, "pdb.yaml": m.pdb.Labels,
		"configmap.yaml": m.cm.Labels, "secret.example.yaml": m.secret.Labels,
	} {
		if labels[nameLabel] != appName {
			t.Errorf("%s: label %s = %q, want %q", file, nameLabel, labels[nameLabel], appName)
		}
	}
}

func TestKustomization(t *testing.T) {
	m := loadManifests(t)
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" && b != "secret.example.yaml" {
			want = append(want, b)
		}
	}
	got := slices.Sorted(slices.Values(m.kustom.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources = %v, want %v (every manifest but the secret template)", got, want)
	}
	image := strings.SplitN(m.ctr.Image, ":", 2)[0]
	found := false
	for _, im := range m.kustom.Images {
		found = found || im.Name == image
	}
	if !found {
		t.Errorf("kustomization images do not set the deployment's image %q", image)
	}
}

// configMapComments returns the keys of commented-out examples in the
// ConfigMap ("# REDIS_ADDRS: ..."), so they are checked too.
func configMapComments(t *testing.T) []string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s+#\s*([A-Z][A-Z0-9_]*):`)
	var keys []string
	for _, m := range re.FindAllStringSubmatch(string(readFile(t, "k8s/configmap.yaml")), -1) {
		keys = append(keys, m[1])
	}
	return keys
}

func TestEnvironmentIsDocumented(t *testing.T) {
	vars := readmeVars(t)
	m := loadManifests(t)
	compose := loadCompose(t)
	secretKeys := slices.Concat(slices.Collect(maps.Keys(m.secret.StringData)), slices.Collect(maps.Keys(m.secret.Data)))
	tests := []struct {
		source string
		keys   []string
	}{
		{"k8s/configmap.yaml", slices.Collect(maps.Keys(m.cm.Data))},
		{"k8s/configmap.yaml (comments)", configMapComments(t)},
		{"k8s/secret.example.yaml", secretKeys},
		{"compose.yaml", slices.Collect(maps.Keys(composeEnv(t, compose)))},
	}
	for _, tt := range tests {
		if len(tt.keys) == 0 {
			t.Errorf("%s: no variables found", tt.source)
		}
		for _, k := range tt.keys {
			if !vars[k] {
				t.Errorf("%s: %s is not in README.md's Configuration table", tt.source, k)
			}
		}
	}
	for _, k := range slices.Concat(tests[0].keys, tests[1].keys, secretKeys) {
		if k == "SLACK_APP_TOKEN" {
			t.Errorf("k8s: SLACK_APP_TOKEN is set: several replicas need HTTP mode")
		}
	}
}

func TestKubernetesConfigLoads(t *testing.T) {
	// What the pods would get through envFrom, read by the real config code.
	m := loadManifests(t)
	env := maps.Clone(m.cm.Data)
	maps.Copy(env, m.secret.StringData)
	cfg, err := config.Load(envOf(env))
	if err := config.Merge(err, cfg.ForServe()); err != nil {
		t.Fatalf("config from configmap.yaml + secret.example.yaml: %v", err)
	}
	if cfg.SocketMode() {
		t.Error("Socket Mode selected: several replicas need HTTP mode")
	}
	if !cfg.UsesRedis() {
		t.Error("no Redis configured: the embedded store is for one replica only")
	}
	if cfg.Addr != fmt.Sprintf(":%d", httpPort) {
		t.Errorf("ADDR = %q, want :%d (the container port)", cfg.Addr, httpPort)
	}
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} {
		if _, ok := m.secret.StringData[k]; !ok {
			t.Errorf("secret.example.yaml: %s missing", k)
		}
		if _, ok := m.cm.Data[k]; ok {
			t.Errorf("configmap.yaml: %s belongs in the Secret", k)
		}
	}
}

// ---- Compose ----

func loadCompose(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	decodeStrict(t, "compose.yaml", &doc)
	return doc
}

// at walks nested maps along path.
func at(doc any, path ...string) any {
	for _, p := range path {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[p]
	}
	return doc
}

// fields returns a command given as a list or as one string, as words.
func fields(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strings.Fields(fmt.Sprint(e))...)
		}
		return out
	}
	return nil
}

// composeEnv returns the bot's environment with Compose's ${VAR:-default}
// and ${VAR:?message} expanded as if none of them were set (a :? gets a
// placeholder).
func composeEnv(t *testing.T, doc map[string]any) map[string]string {
	t.Helper()
	raw, ok := at(doc, "services", "journeybot", "environment").(map[string]any)
	if !ok {
		t.Fatalf("compose.yaml: services.journeybot.environment should be a map, got %T", at(doc, "services", "journeybot", "environment"))
	}
	ref := regexp.MustCompile(`\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}`)
	env := map[string]string{}
	for k, v := range raw {
		env[k] = ref.ReplaceAllStringFunc(fmt.Sprint(v), func(s string) string {
			m := ref.FindStringSubmatch(s)
			if m[2] == ":?" {
				return "xoxb-placeholder"
			}
			return m[3]
		})
	}
	return env
}

func TestCompose(t *testing.T) {
	doc := loadCompose(t)

	cmd := fields(at(doc, "services", "redis", "command"))
	flag := func(name string) string {
		if i := slices.Index(cmd, name); i >= 0 && i+1 < len(cmd) {
			return cmd[i+1]
		}
		return ""
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"redis image is redis", strings.HasPrefix(fmt.Sprint(at(doc, "services", "redis", "image")), "redis:"), true},
		{"redis --appendonly", flag("--appendonly"), "yes"},
		{"redis --appendfsync is not no", flag("--appendfsync") != "no", true},
		{"redis volume on /data", slices.ContainsFunc(fields(at(doc, "services", "redis", "volumes")), func(s string) bool { return strings.HasSuffix(s, ":/data") }), true},
		{"redis healthcheck runs redis-cli ping", strings.Join(fields(at(doc, "services", "redis", "healthcheck", "test")), " "), "CMD redis-cli ping"},
		{"bot build context", at(doc, "services", "journeybot", "build", "context"), ".."},
		{"bot dockerfile", at(doc, "services", "journeybot", "build", "dockerfile"), "deploy/Dockerfile"},
		{"bot waits for a healthy redis", at(doc, "services", "journeybot", "depends_on", "redis", "condition"), "service_healthy"},
		{"bot restart", at(doc, "services", "journeybot", "restart"), "unless-stopped"},
		{"bot publishes 3000", slices.ContainsFunc(fields(at(doc, "services", "journeybot", "ports")), func(s string) bool { return strings.HasSuffix(s, ":3000") }), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}

	ctx, _ := at(doc, "services", "journeybot", "build", "context").(string)
	df, _ := at(doc, "services", "journeybot", "build", "dockerfile").(string)
	if _, err := os.Stat(filepath.Join(ctx, df)); err != nil {
		t.Errorf("build: %v", err)
	}

	grace, err := time.ParseDuration(fmt.Sprint(at(doc, "services", "journeybot", "stop_grace_period")))
	if budget := shutdownBudget(t); err != nil || grace <= budget {
		t.Errorf("stop_grace_period = %v (%v), want more than the %s the bot may drain after SIGTERM", grace, err, budget)
	}

	env := composeEnv(t, doc)
	cfg, err := config.Load(envOf(env))
	if err != nil {
		t.Fatalf("config from compose.yaml: %v", err)
	}
	u, err := url.Parse(cfg.RedisURL)
	if err != nil || at(doc, "services", u.Hostname()) == nil {
		t.Errorf("REDIS_URL = %q: want a Compose service's address", cfg.RedisURL)
	}
}

// ---- Dockerfile ----

type instruction struct {
	cmd, args string
	stage     int // index of the FROM this instruction belongs to
}

// parseDockerfile joins continuation lines and drops comments.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	stage := -1
	for _, line := range strings.Split(string(readFile(t, path)), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.WriteString(strings.TrimSuffix(trimmed, "\\"))
		cur.WriteString(" ")
		if cont {
			continue
		}
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		cur.Reset()
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd, strings.TrimSpace(args), stage})
	}
	return out
}

// versionVar reads the -X target of the Makefile's LDFLAGS (the variable
// `make build` stamps) and checks it is declared in that package.
func versionVar(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`-X (github\.com/journeybot/journeybot/(\S+))\.Version=`).FindStringSubmatch(string(readFile(t, "../Makefile")))
	if m == nil {
		t.Fatal("Makefile: no -X ….Version= in LDFLAGS")
	}
	files, err := filepath.Glob(filepath.Join("..", m[2], "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if id.Name == "Version" {
						return m[1] + ".Version"
					}
				}
			}
		}
	}
	t.Fatalf("%s: no var Version", m[2])
	return ""
}

// goDirective returns go.mod's language version as major.minor.
func goDirective(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(readFile(t, "../go.mod")))
	if m == nil {
		t.Fatal("go.mod: no go directive")
	}
	return m[1]
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	argDefaults := map[string]string{}
	var froms []instruction
	for _, in := range ins {
		switch {
		case in.cmd == "ARG" && in.stage < 0:
			k, v, _ := strings.Cut(in.args, "=")
			argDefaults[k] = v
		case in.cmd == "FROM":
			froms = append(froms, in)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%d FROM, want a multi-stage build", len(froms))
	}
	final := len(froms) - 1
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { return argDefaults[k] })
	}
	builder := expand(froms[0].args)
	if want := "golang:" + goDirective(t); !strings.HasPrefix(builder, want) {
		t.Errorf("builder FROM %q, want %s (go.mod's go version)", builder, want)
	}
	if base := expand(froms[final].args); strings.HasPrefix(base, "golang") {
		t.Errorf("final stage FROM %q: want a minimal image (distroless or scratch)", base)
	}

	// Instructions of one stage, joined, for substring checks.
	stageText := func(stage int, cmd string) string {
		var b strings.Builder
		for _, in := range ins {
			if in.stage == stage && in.cmd == cmd {
				b.WriteString(in.args + "\n")
			}
		}
		return b.String()
	}
	build := ""
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			build = in.args
		}
	}
	if build == "" {
		t.Fatal("no RUN … go build")
	}
	ldflag := "-X " + versionVar(t) + "=${VERSION}"
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-tags timetzdata", ldflag, "./cmd/journeybot"} {
		if !strings.Contains(build, want) {
			t.Errorf("go build: missing %q in %q", want, build)
		}
	}
	buildStage := ins[slices.IndexFunc(ins, func(in instruction) bool { return in.args == build })].stage
	if !regexp.MustCompile(`(?m)^VERSION(=|$)`).MatchString(stageText(buildStage, "ARG")) {
		t.Error("build stage: no ARG VERSION for the version stamp")
	}

	user := strings.TrimSpace(stageText(final, "USER"))
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); user == "" || err != nil || n == 0 {
		t.Errorf("final stage USER %q: want a numeric non-root uid (Kubernetes runAsNonRoot checks it)", user)
	}
	checks := []struct {
		cmd, want string
	}{
		{"COPY", "--from="},
		{"EXPOSE", "3000"},
		{"ENTRYPOINT", `["/journeybot"]`},
		{"CMD", `["serve"]`},
	}
	for _, c := range checks {
		if got := stageText(final, c.cmd); !strings.Contains(got, c.want) {
			t.Errorf("final stage %s = %q, want %q", c.cmd, strings.TrimSpace(got), c.want)
		}
	}
}

// The image built without a registry (Dockerfile.scratch, `make image`) is
// the final stage of the registry build: the same instructions, copying the
// same root file system from the folder deploy/rootfs.sh laid out rather
// than from the build stage; both are FROM scratch.
func TestScratchImageIsTheFinalStage(t *testing.T) {
	final := func(path string) []string {
		t.Helper()
		ins := parseDockerfile(t, path)
		last := ins[len(ins)-1].stage
		var out []string
		for _, in := range ins {
			if in.stage != last {
				continue
			}
			args := in.args
			if in.cmd == "COPY" {
				args = strings.NewReplacer("--from=build ", "", "/rootfs/", "./").Replace(args)
				args = strings.Replace(args, "./home/nonroot/", "home/nonroot/", 1)
			}
			out = append(out, in.cmd+" "+args)
		}
		return out
	}
	registry, local := final("Dockerfile"), final("Dockerfile.scratch")
	if !slices.Equal(registry, local) {
		t.Errorf("final stages differ:\nDockerfile:         %q\nDockerfile.scratch: %q", registry, local)
	}
	if len(local) == 0 || local[0] != "FROM scratch" {
		t.Errorf("Dockerfile.scratch starts %q, want FROM scratch", local)
	}
	if !strings.Contains(string(readFile(t, "Dockerfile")), "sh deploy/rootfs.sh") {
		t.Error("Dockerfile does not lay out its root file system with deploy/rootfs.sh")
	}
	if !strings.Contains(string(readFile(t, "../Makefile")), "deploy/rootfs.sh") {
		t.Error("make image does not use deploy/rootfs.sh")
	}
}
