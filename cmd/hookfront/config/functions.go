package config

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookfront/hookfront/hooks/event"
	"github.com/hookfront/hookfront/hooks/functions"
	"github.com/hookfront/hookfront/jsruntime"
)

// KeyValueStore is one entry of key_value_stores: a CloudFront KeyValueStore read from a file in
// CloudFront's import format.
type KeyValueStore struct {
	Name string `yaml:"name"`
	File string `yaml:"file"`
}

// FunctionBinding binds a CloudFront Function to a viewer trigger: a file name, or
// {file, runtime, key_value_store}.
type FunctionBinding struct {
	File          string `yaml:"file"`
	Runtime       string `yaml:"runtime"`
	KeyValueStore string `yaml:"key_value_store"`
}

// UnmarshalYAML accepts the short form "file.js" as well as the mapping.
func (f *FunctionBinding) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		f.File = n.Value
		return nil
	}
	type plain FunctionBinding
	return n.Decode((*plain)(f))
}

// DefaultFunctionTimeout is hook_timeouts.function's default.
const DefaultFunctionTimeout = functions.DefaultBudget

// validateFunctions checks key_value_stores, the functions of each behavior, and
// hook_timeouts.function.
func (c *Config) validateFunctions(ck *checker) {
	f := &c.File
	ht := &f.HookTimeouts
	defaultDur(&ht.Function, DefaultFunctionTimeout)
	rangeCheck(ck, "hook_timeouts.function", ht.Function.Duration, time.Millisecond, 10*time.Second)

	stores := map[string]bool{}
	for i, s := range f.KeyValueStores {
		at := fmt.Sprintf("key_value_stores[%d]", i)
		switch {
		case s.Name == "":
			ck.errorf(at+".name", "name is required")
		case !idPattern.MatchString(s.Name):
			ck.errorf(at+".name", "%q is not a valid name (letters, digits, _ . -)", s.Name)
		case stores[s.Name]:
			ck.errorf(at+".name", "%q is used twice", s.Name)
		}
		stores[s.Name] = true
		if s.File == "" {
			ck.errorf(at+".file", "file is required (CloudFront's import format: {\"data\": [{\"key\": ..., \"value\": ...}]})")
		} else if st, err := os.Stat(c.Resolve(s.File)); err != nil || st.IsDir() {
			ck.errorf(at+".file", "the store file %q cannot be read", s.File)
		}
	}
	for i := range f.Behaviors {
		b := &f.Behaviors[i]
		at := fmt.Sprintf("behaviors[%d]", i)
		for _, trig := range sortedTriggers(b.Functions) {
			fb := b.Functions[trig]
			fat := at + ".functions." + trig
			if t := event.Trigger(trig); !t.Valid() {
				ck.errorf(fat, "%q is not a trigger (CloudFront Functions run on viewer-request and viewer-response)", trig)
			} else if !t.IsViewer() {
				ck.errorf(fat, "CloudFront Functions run only on viewer-request and viewer-response, not %s (use a Lambda@Edge hook there)", trig)
			}
			switch {
			case fb.File == "":
				ck.errorf(fat, "the function file is missing")
			case strings.HasPrefix(fb.File, "/") || strings.Contains(fb.File, ".."):
				ck.errorf(fat, "%q must be a path inside hooks_dir", fb.File)
			case f.HooksDir == "":
				ck.errorf(fat, "functions are bound but hooks_dir is not set")
			}
			if fb.Runtime == "" {
				fb.Runtime = string(jsruntime.Runtime20)
			}
			if !jsruntime.FunctionRuntime(fb.Runtime).Valid() {
				ck.errorf(fat+".runtime", "%q is not a runtime (cloudfront-js-1.0 or cloudfront-js-2.0)", fb.Runtime)
			}
			if fb.KeyValueStore != "" {
				if !stores[fb.KeyValueStore] {
					ck.errorf(fat+".key_value_store", "%q is not in key_value_stores%s", fb.KeyValueStore, knownStores(f.KeyValueStores))
				}
				if fb.Runtime != string(jsruntime.Runtime20) {
					ck.errorf(fat+".key_value_store", "a key value store needs runtime cloudfront-js-2.0")
				}
			}
			b.Functions[trig] = fb
		}
		// CloudFront: "You can't combine CloudFront Functions and Lambda@Edge in viewer events".
		if len(b.Functions) > 0 {
			for _, trig := range []string{"viewer-request", "viewer-response"} {
				if h, ok := b.Hooks[trig]; ok {
					ck.errorf(at+".hooks."+trig, "%s is a Lambda@Edge viewer hook, and this behavior has CloudFront Functions (%s); CloudFront does not combine the two on viewer triggers of one behavior", h.File, strings.Join(sortedTriggers(b.Functions), ", "))
				}
			}
		}
	}
}

func sortedTriggers[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func knownStores(list []KeyValueStore) string {
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return " (no stores are declared)"
	}
	slices.Sort(names)
	return " (known: " + strings.Join(names, ", ") + ")"
}

// storeFiles are the key value store files, by store name, resolved against the config's folder.
func (c *Config) storeFiles() map[string]string {
	out := make(map[string]string, len(c.KeyValueStores))
	for _, s := range c.KeyValueStores {
		out[s.Name] = c.Resolve(s.File)
	}
	return out
}
