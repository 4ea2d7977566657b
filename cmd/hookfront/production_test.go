package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
)

// The files of examples/production are what docs/production.md shows, and
// these tests keep them true: each deployment's command line is parsed and run by the real
// binary, its paths mapped into a temporary folder, its origins onto a loopback port where
// nothing listens, and its addresses onto free loopback ports.

const production = "../../examples/production"

func readProduction(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(production, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// deployment is a deployment's files mapped into a temporary root.
type deployment struct {
	root  string
	files map[string]string // absolute path in the deployment → content
}

func newDeployment(t *testing.T) *deployment {
	return &deployment{root: t.TempDir(), files: map[string]string{}}
}

var (
	originURL = regexp.MustCompile(`url: http://[^,}\s]+`)
	// adminURLAny finds the admin listener's URL in text or JSON logs.
	adminURLAny = regexp.MustCompile(`(?:msg="admin listener" url=|"msg":"admin listener","url":")(http://[0-9.:\[\]]+)/`)
)

// path maps a deployment path into the root.
func (d *deployment) path(p string) string {
	if strings.HasPrefix(p, "/etc/hookfront") || strings.HasPrefix(p, "/var/log/hookfront") {
		return filepath.Join(d.root, p)
	}
	return p
}

// write writes the files, with their deployment paths and origins mapped.
func (d *deployment) write(t *testing.T) {
	t.Helper()
	dead := "url: " + closedURL(t)
	for p, content := range d.files {
		if d.path(p) == p {
			t.Fatalf("%q is outside the folders a deployment may use", p)
		}
		content = strings.ReplaceAll(content, "/etc/hookfront", filepath.Join(d.root, "etc/hookfront"))
		content = strings.ReplaceAll(content, "/var/log/hookfront", filepath.Join(d.root, "var/log/hookfront"))
		content = originURL.ReplaceAllString(content, dead)
		writeFile(t, "/", d.path(p), content)
	}
	if err := os.MkdirAll(d.path("/var/log/hookfront"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// run starts the binary with a deployment's arguments: paths mapped, --listen and --admin on
// free loopback ports. It returns the process, the admin listener's URL and the addresses the
// arguments gave.
func (d *deployment) run(t *testing.T, args []string, env ...string) (p *proc, admin string, listen, adminAddr string) {
	t.Helper()
	d.write(t)
	var mapped []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "--listen" || a == "--admin") && i+1 < len(args):
			if a == "--listen" {
				listen = args[i+1]
			} else {
				adminAddr = args[i+1]
			}
			mapped = append(mapped, a, "127.0.0.1:0")
			i++
			continue
		}
		mapped = append(mapped, d.path(a))
	}
	if listen == "" {
		mapped = append(mapped, "--listen", "127.0.0.1:0")
	}
	if adminAddr == "" {
		mapped = append(mapped, "--admin", "127.0.0.1:0")
	}
	cmd := exec.Command(binary, mapped...)
	cmd.Env = append(os.Environ(), env...)
	p = startCmd(t, cmd)
	m := adminURLAny.FindStringSubmatch(p.logs())
	if m == nil {
		t.Fatalf("no admin listener:\n%s", p.logs())
	}
	return p, m[1], listen, adminAddr
}

// loadConfig loads a deployment's config as the binary would (paths mapped).
func (d *deployment) loadConfig(t *testing.T, path string) *config.Config {
	t.Helper()
	c, err := config.Load(d.path(path))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%q: %v", addr, err)
	}
	return p
}

func checkReady(t *testing.T, admin string, hdr ...string) {
	t.Helper()
	if code, _, b := call(t, "GET", admin+"/readyz", "", hdr...); code != 200 {
		t.Fatalf("/readyz: %d %s", code, b)
	}
}

func TestProductionSystemdUnit(t *testing.T) {
	unit := readProduction(t, "hookfront.service")
	keys := map[string]string{}
	for _, l := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			keys[k] = v
		}
	}
	exec := strings.Fields(keys["ExecStart"])
	if len(exec) < 2 || filepath.Base(exec[0]) != "hookfront" || exec[1] != "serve" {
		t.Fatalf("ExecStart: %q", keys["ExecStart"])
	}
	if keys["ExecReload"] != "/bin/kill -HUP $MAINPID" || keys["KillSignal"] != "SIGTERM" || keys["LogsDirectory"] != "hookfront" {
		t.Fatalf("unit: %v", keys)
	}
	d := newDeployment(t)
	d.files["/etc/hookfront/hookfront.yaml"] = readProduction(t, "hookfront.yaml")
	d.files["/etc/hookfront/hooks/security-headers.js"] = readProduction(t, "hooks/security-headers.js")
	p, admin, _, _ := d.run(t, exec[1:])
	checkReady(t, admin)
	cfg := d.loadConfig(t, "/etc/hookfront/hookfront.yaml")
	stop, _ := strconv.Atoi(keys["TimeoutStopSec"])
	if need := cfg.Server.ShutdownDelay.Duration + cfg.Server.ShutdownTimeout.Duration; float64(stop) <= need.Seconds() {
		t.Fatalf("TimeoutStopSec=%d is not more than shutdown_delay + shutdown_timeout (%v)", stop, need)
	}
	// The access log goes to LogsDirectory, and logrotate's SIGUSR1 reaches the unit.
	if cfg.AccessLog == nil || filepath.Dir(cfg.AccessLogPath()) != d.path("/var/log/"+keys["LogsDirectory"]) {
		t.Fatalf("access log %q is not in the unit's LogsDirectory", cfg.AccessLogPath())
	}
	rotate := readProduction(t, "logrotate")
	if !strings.Contains(rotate, "/var/log/hookfront/access.log {") || !strings.Contains(rotate, "systemctl kill --signal=SIGUSR1 hookfront.service") {
		t.Fatalf("logrotate:\n%s", rotate)
	}
	fetch(t, "GET", "http://"+p.addr+"/")
	waitLines(t, cfg.AccessLogPath(), 3)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "access log reopened")

	// The Prometheus scrape config reaches /metrics on the admin port.
	var prom struct {
		ScrapeConfigs []struct {
			MetricsPath   string `yaml:"metrics_path"`
			Authorization struct {
				CredentialsFile string `yaml:"credentials_file"`
			}
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(readProduction(t, "prometheus.yml")), &prom); err != nil {
		t.Fatal(err)
	}
	sc := prom.ScrapeConfigs[0]
	if sc.Authorization.CredentialsFile == "" {
		t.Fatalf("the scrape config sends no token")
	}
	for _, target := range sc.StaticConfigs[0].Targets {
		if port(t, target) != port(t, cfg.Admin.Listen) {
			t.Fatalf("scrape target %s is not the admin port of %s", target, cfg.Admin.Listen)
		}
	}
	if fams := scrape(t, admin+strings.TrimSuffix(sc.MetricsPath, "/metrics")); fams["hookfront_build_info"] == nil {
		t.Fatal("no hookfront_build_info")
	}
}

func TestProductionDockerfile(t *testing.T) {
	df := readProduction(t, "Dockerfile")
	instr := map[string][]string{}
	for _, l := range strings.Split(df, "\n") {
		if k, v, ok := strings.Cut(l, " "); ok && k == strings.ToUpper(k) && !strings.HasPrefix(l, "#") {
			instr[k] = append(instr[k], v)
		}
	}
	array := func(k string) []string {
		t.Helper()
		var v []string
		if err := json.Unmarshal([]byte(instr[k][len(instr[k])-1]), &v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return v
	}
	entry, cmd, volumes := array("ENTRYPOINT"), array("CMD"), array("VOLUME")
	if filepath.Base(entry[0]) != "hookfront" || cmd[0] != "serve" || !slices.Contains(cmd, "--poll") {
		t.Fatalf("ENTRYPOINT %v CMD %v", entry, cmd)
	}
	gomod, _ := os.ReadFile("../../go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(gomod))[1]
	if !strings.HasPrefix(instr["FROM"][0], "golang:"+goVersion+" ") {
		t.Fatalf("the build image %q is not Go %s (go.mod)", instr["FROM"][0], goVersion)
	}
	d := newDeployment(t)
	d.files["/etc/hookfront/hookfront.yaml"] = readProduction(t, "hookfront.yaml")
	d.files["/etc/hookfront/hooks/security-headers.js"] = readProduction(t, "hooks/security-headers.js")
	_, admin, listen, adminAddr := d.run(t, cmd, "HOOKFRONT_ADMIN_TOKEN=docker-token")
	checkReady(t, admin)
	if code, _, _ := call(t, "GET", admin+"/metrics", "", "Authorization", "Bearer docker-token"); code != 200 {
		t.Fatalf("/metrics with the token: %d", code)
	}
	// The hooks folder and the access log's folder of the config are the image's volumes, and
	// the ports it listens on are the ones it exposes.
	cfg := d.loadConfig(t, cmd[slices.Index(cmd, "--config")+1])
	for _, dir := range []string{cfg.Resolve(cfg.HooksDir), filepath.Dir(cfg.AccessLogPath())} {
		if !slices.Contains(volumes, strings.TrimPrefix(dir, d.root)) {
			t.Errorf("%s is not a VOLUME (%v)", strings.TrimPrefix(dir, d.root), volumes)
		}
	}
	if exposed := strings.Fields(instr["EXPOSE"][0]); !slices.Equal(exposed, []string{port(t, listen), port(t, adminAddr)}) {
		t.Errorf("EXPOSE %v, listening on %s and %s", exposed, listen, adminAddr)
	}
}

func TestProductionKubernetes(t *testing.T) {
	type probe struct {
		HTTPGet struct {
			Path string
			Port int
		} `yaml:"httpGet"`
	}
	type container struct {
		Args []string
		Env  []struct {
			Name      string
			ValueFrom *struct {
				SecretKeyRef *struct{ Name, Key string } `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		}
		Ports []struct {
			Name          string
			ContainerPort int `yaml:"containerPort"`
		}
		ReadinessProbe probe `yaml:"readinessProbe"`
		LivenessProbe  probe `yaml:"livenessProbe"`
		VolumeMounts   []struct {
			Name      string
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	var configMaps = map[string]map[string]string{}
	var c container
	var grace int
	var volumes = map[string]string{} // volume → ConfigMap
	var svcTarget int
	dec := yaml.NewDecoder(strings.NewReader(readProduction(t, "kubernetes.yaml")))
	for {
		var doc struct {
			Kind     string
			Metadata struct{ Name string }
			Data     map[string]string
			Spec     struct {
				Template struct {
					Spec struct {
						Grace      int         `yaml:"terminationGracePeriodSeconds"`
						Containers []yaml.Node `yaml:"containers"`
						Volumes    []struct {
							Name      string
							ConfigMap struct{ Name string } `yaml:"configMap"`
						}
					}
				}
				Ports []struct {
					TargetPort int `yaml:"targetPort"`
				}
			}
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		switch doc.Kind {
		case "ConfigMap":
			configMaps[doc.Metadata.Name] = doc.Data
		case "Deployment":
			ps := doc.Spec.Template.Spec
			grace = ps.Grace
			if err := ps.Containers[0].Decode(&c); err != nil {
				t.Fatal(err)
			}
			for _, v := range ps.Volumes {
				volumes[v.Name] = v.ConfigMap.Name
			}
		case "Service":
			svcTarget = doc.Spec.Ports[0].TargetPort
		}
	}
	d := newDeployment(t)
	for _, m := range c.VolumeMounts {
		for name, content := range configMaps[volumes[m.Name]] {
			d.files[m.MountPath+"/"+name] = content
		}
	}
	if len(d.files) < 2 {
		t.Fatalf("the ConfigMaps are not mounted: %v %v", c.VolumeMounts, volumes)
	}
	var token string
	for _, e := range c.Env {
		if e.Name == "HOOKFRONT_ADMIN_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			token = "k8s-token"
		}
	}
	if token == "" {
		t.Fatal("the admin listener is on the pod's address but gets no token from a Secret")
	}
	p, admin, listen, adminAddr := d.run(t, c.Args, "HOOKFRONT_ADMIN_TOKEN="+token)
	// Probes reach the admin port, without the token.
	for _, pr := range []probe{c.ReadinessProbe, c.LivenessProbe} {
		if strconv.Itoa(pr.HTTPGet.Port) != port(t, adminAddr) {
			t.Fatalf("probe port %d, admin listener %s", pr.HTTPGet.Port, adminAddr)
		}
		if code, _, b := call(t, "GET", admin+pr.HTTPGet.Path, ""); code != 200 {
			t.Fatalf("probe %s: %d %s", pr.HTTPGet.Path, code, b)
		}
	}
	if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Fatalf("probes: %+v %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	if code, _, _ := call(t, "GET", admin+"/metrics", ""); code != 401 {
		t.Fatalf("/metrics without the token: %d", code)
	}
	if code, _, _ := call(t, "GET", admin+"/metrics", "", "Authorization", "Bearer "+token); code != 200 {
		t.Fatalf("/metrics with the token: %d", code)
	}
	if strconv.Itoa(svcTarget) != port(t, listen) {
		t.Fatalf("the Service targets %d, the edge listens on %s", svcTarget, listen)
	}
	for _, pt := range c.Ports {
		want := map[string]string{"http": port(t, listen), "admin": port(t, adminAddr)}[pt.Name]
		if strconv.Itoa(pt.ContainerPort) != want {
			t.Fatalf("containerPort %s %d, want %s", pt.Name, pt.ContainerPort, want)
		}
	}
	cfg := d.loadConfig(t, c.Args[slices.Index(c.Args, "--config")+1])
	if need := cfg.Server.ShutdownDelay.Duration + cfg.Server.ShutdownTimeout.Duration; float64(grace) <= need.Seconds() {
		t.Fatalf("terminationGracePeriodSeconds %d is not more than shutdown_delay + shutdown_timeout (%v)", grace, need)
	}
	// The hooks ConfigMap is the hooks folder, and the hook in it runs; the access log is JSON
	// lines on standard output (kubectl logs).
	resp, _ := fetch(t, "GET", "http://"+p.addr+"/docs/")
	id := resp.Header.Get("X-Hookfront-Request-Id")
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, b := call(t, "GET", admin+"/api/requests/"+id, "", "Authorization", "Bearer "+token)
		var tr traceDoc
		if code == 200 && json.Unmarshal(b, &tr) == nil {
			hooks := stepsOf(tr, "hook")
			if len(hooks) != 1 || hooks[0]["trigger"] != "viewer-request" || hooks[0]["changed"] != true {
				t.Fatalf("hook steps: %v", hooks)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trace of %s: %d %s", id, code, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for !strings.Contains(p.out(), `"msg":"request","id":"`+id+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no JSON access line on standard output:\n%s", p.out())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// docs/production.md shows the files of examples/production as they are.
func TestProductionFilesInDocs(t *testing.T) {
	page, err := os.ReadFile("../../docs/production.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hookfront.service", "logrotate", "Dockerfile", "kubernetes.yaml", "prometheus.yml"} {
		if !strings.Contains(string(page), "\n"+readProduction(t, name)+"```\n") {
			t.Errorf("docs/production.md does not show examples/production/%s as it is", name)
		}
	}
}
