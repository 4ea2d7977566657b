package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hookfront/hookfront/jsruntime"
)

// fnConfig is what --function-config says of one CloudFront Function: what the distribution,
// which names a function by ARN only, does not carry.
type fnConfig struct {
	file    string // the --function-config file, for messages
	runtime string
	store   string // the ARN of its key value store, if any
	stage   string // DEVELOPMENT or LIVE
	single  bool   // from describe-function (not a list): worth a warning when unused
	used    bool
}

// loadFunctionConfigs reads the --function-config files, by function name.
func (im *importer) loadFunctionConfigs() error {
	im.fnConfigs = map[string]*fnConfig{}
	for _, f := range im.opt.FunctionConfigs {
		docs, err := oneOrMany[functionDoc](f.Data)
		if err != nil {
			return inputErrorf("--function-config %s: not JSON of a function (%v); expected the output of aws cloudfront describe-function --name NAME", f.Name, err)
		}
		found := 0
		for _, d := range docs {
			var sums []functionSummary
			single := true
			switch {
			case d.FunctionSummary != nil:
				sums = []functionSummary{*d.FunctionSummary}
			case d.FunctionList != nil:
				sums, single = d.FunctionList.Items, false
			case d.Name != "" || d.FunctionConfig != nil:
				sums = []functionSummary{d.functionSummary}
			case d.ContentType != "":
				return inputErrorf("--function-config %s: the output of get-function, which holds only the function's code (in its outfile); "+
					"give the output of aws cloudfront describe-function --name NAME, which holds the runtime and the key value store", f.Name)
			}
			for _, s := range sums {
				if err := im.addFunctionConfig(f.Name, s, single); err != nil {
					return err
				}
				found++
			}
		}
		if found == 0 {
			return inputErrorf("--function-config %s: no function in it; expected the output of aws cloudfront describe-function --name NAME (or list-functions)", f.Name)
		}
	}
	return nil
}

func (im *importer) addFunctionConfig(file string, s functionSummary, single bool) error {
	name := s.Name
	if name == "" {
		name, _ = functionARN(s.FunctionMetadata.FunctionARN)
	}
	if name == "" || s.FunctionConfig == nil {
		return inputErrorf("--function-config %s: a function without its Name and FunctionConfig; expected the output of aws cloudfront describe-function --name NAME", file)
	}
	c := &fnConfig{file: file, runtime: s.FunctionConfig.Runtime, stage: s.FunctionMetadata.Stage, single: single}
	if !jsruntime.FunctionRuntime(c.runtime).Valid() {
		return inputErrorf("--function-config %s: function %s: runtime %q is not one hookfront runs (cloudfront-js-1.0, cloudfront-js-2.0)", file, name, c.runtime)
	}
	switch kvs := s.FunctionConfig.KeyValueStoreAssociations.items(); {
	case len(kvs) > 1:
		return inputErrorf("--function-config %s: function %s has %d key value stores; CloudFront gives a function at most one", file, name, len(kvs))
	case len(kvs) == 1 && c.runtime != string(jsruntime.Runtime20):
		return inputErrorf("--function-config %s: function %s is %s with a key value store; key value stores need cloudfront-js-2.0", file, name, c.runtime)
	case len(kvs) == 1:
		c.store = kvs[0].KeyValueStoreARN
	}
	// A list without --stage has both stages of a function: the distribution runs the LIVE one.
	if old := im.fnConfigs[name]; old != nil && old.stage == "LIVE" && c.stage != "LIVE" {
		return nil
	}
	im.fnConfigs[name] = c
	return nil
}

// storeName is the name a key value store gets in the config: the last part of its ARN
// (arn:aws:cloudfront::ACCOUNT:key-value-store/ID), which is what cf.kvs(ID) names it by.
func storeName(arn string) string {
	return idChars.ReplaceAllString(arn[strings.LastIndex(arn, "/")+1:], "-")
}

// functionsOf maps a behavior's FunctionAssociations onto b.Functions. CloudFront Functions run
// on viewer triggers only, and never beside a Lambda@Edge function on a viewer trigger of the
// same behavior: CloudFront refuses both, and so would validate.
func (im *importer) functionsOf(at, path string, cb *cacheBehavior, b *outBehav) error {
	assocs := cb.FunctionAssociations.items()
	if len(assocs) == 0 {
		return nil
	}
	behavior := fmt.Sprintf("%s (path pattern %s)", at, cb.PathPattern)
	b.Functions = map[string]outFunction{}
	for _, a := range assocs {
		if a.EventType != "viewer-request" && a.EventType != "viewer-response" {
			return inputErrorf("%s: %s.FunctionAssociations: %q: CloudFront Functions run only on viewer-request and viewer-response", im.opt.Source, behavior, a.EventType)
		}
		if prev, ok := b.Functions[a.EventType]; ok {
			return inputErrorf("%s: %s.FunctionAssociations: two functions on %s (%s and %s); CloudFront allows one per event type", im.opt.Source, behavior, a.EventType, prev.arn, a.FunctionARN)
		}
		b.Functions[a.EventType] = outFunction{arn: a.FunctionARN}
	}
	for _, l := range cb.LambdaFunctionAssociations.items() {
		if l.EventType == "viewer-request" || l.EventType == "viewer-response" {
			return inputErrorf("%s: %s: the CloudFront Function %s (%s) and the Lambda@Edge function %s (%s) are both on viewer triggers; "+
				"CloudFront does not combine the two on viewer triggers of one behavior (and hookfront's validate refuses it): move one of them to another behavior",
				im.opt.Source, behavior, assocs[0].FunctionARN, assocs[0].EventType, l.LambdaFunctionARN, l.EventType)
		}
	}
	for _, a := range assocs {
		file, stub := im.hookFile(a.FunctionARN)
		if err := im.bind(at+".FunctionAssociations", file, a.FunctionARN, a.EventType, true, stub); err != nil {
			return err
		}
		fn := outFunction{File: file, arn: a.FunctionARN}
		name, _ := functionARN(a.FunctionARN)
		c := im.fnConfigs[name]
		if c == nil {
			if !im.defaulted[name] {
				im.defaulted[name] = true
				im.warn(at+".FunctionAssociations", "the distribution does not say the runtime or key value store of %s: it runs as cloudfront-js-2.0 without a store; "+
					"give the output of `aws cloudfront describe-function --name %s` with --function-config", a.FunctionARN, name)
			}
			im.note(path, "%s: runtime cloudfront-js-2.0 assumed (no --function-config for it)", name)
			b.Functions[a.EventType] = fn
			continue
		}
		if !c.used && c.stage == "DEVELOPMENT" {
			im.warn(at+".FunctionAssociations", "--function-config %s describes the DEVELOPMENT stage of %s; the distribution runs the LIVE stage (describe-function --stage LIVE)", c.file, name)
		}
		c.used = true
		fn.Runtime = c.runtime
		if c.store != "" {
			fn.KeyValueStore = im.store(at, c.store)
		}
		b.Functions[a.EventType] = fn
	}
	return nil
}

// store declares the key value store of arn in key_value_stores (once) and returns its name. Its
// file is the --kvs one (by name or ARN), else kvs/NAME.json, to be written empty.
func (im *importer) store(at, arn string) string {
	name := storeName(arn)
	if slices.ContainsFunc(im.out.KeyValueStores, func(s outStore) bool { return s.Name == name }) {
		return name
	}
	file, ok := im.opt.Stores[arn]
	if !ok {
		file, ok = im.opt.Stores[name]
	}
	if !ok {
		file = "kvs/" + name + ".json"
		im.res.Stores = append(im.res.Stores, file)
		im.warn(at+".FunctionAssociations", "key value store %s has no --kvs: declared with %s (empty until you put its keys there, in CloudFront's import format {\"data\": [{\"key\": ..., \"value\": ...}]})", arn, file)
	}
	im.note(fmt.Sprintf("key_value_stores[%d]", len(im.out.KeyValueStores)), "key value store %s", arn)
	im.out.KeyValueStores = append(im.out.KeyValueStores, outStore{Name: name, File: file})
	return name
}

// checkFunctionOptions refuses a --kvs no function of the distribution uses, as --origin does,
// and warns about a describe-function output the distribution does not use.
func (im *importer) checkFunctionOptions() error {
	var names []string
	for _, s := range im.out.KeyValueStores {
		names = append(names, s.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(im.opt.Stores)) {
		if !slices.Contains(names, storeName(k)) {
			known := "no --function-config names a store; the stores a function uses are in the output of aws cloudfront describe-function, given with --function-config"
			if len(names) > 0 {
				known = "the stores its functions use: " + strings.Join(names, ", ")
			}
			return inputErrorf("--kvs %s=…: no function of the distribution uses key value store %q (%s)", k, storeName(k), known)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(im.fnConfigs)) {
		if c := im.fnConfigs[name]; c.single && !c.used {
			im.warn("--function-config "+c.file, "the distribution does not use function %s", name)
		}
	}
	return nil
}

// bind records that file is bound to function arn on trigger; when no --function named the
// function (stub), it is a pass-through to write, warned about at field once. One file cannot be
// both a Lambda@Edge function and a CloudFront Function: they are different kinds of script.
func (im *importer) bind(field, file, arn, trigger string, cloudFront, stub bool) error {
	prev, seen := im.hooked[file]
	switch {
	case seen && prev.cloudFront != cloudFront:
		return inputErrorf("%s/%s would be both the %s %s and the %s %s; give one of them its own file with --function ARN=FILE",
			im.opt.HooksDir, file, kindOf(prev.cloudFront), prev.arn, kindOf(cloudFront), arn)
	case !seen:
		im.hooked[file] = boundFile{arn: arn, cloudFront: cloudFront}
		if stub {
			im.res.Stubs = append(im.res.Stubs, Stub{File: file, Function: arn, Triggers: []string{trigger}, CloudFrontFunction: cloudFront})
			im.warn(field, "%s has no --function: bound to %s/%s (with -o a pass-through stub is written there, unless the file exists)", arn, im.opt.HooksDir, file)
		}
		return nil
	}
	for i := range im.res.Stubs {
		if s := &im.res.Stubs[i]; s.File == file && !slices.Contains(s.Triggers, trigger) {
			s.Triggers = append(s.Triggers, trigger)
		}
	}
	return nil
}

// boundFile is what a hook file of the config was bound to first.
type boundFile struct {
	arn        string
	cloudFront bool
}

func kindOf(cloudFront bool) string {
	if cloudFront {
		return "CloudFront Function"
	}
	return "Lambda@Edge function"
}
