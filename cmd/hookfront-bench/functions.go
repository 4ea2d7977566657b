package main

import "fmt"

// reportFunctionCost prints what one viewer-request CloudFront Function costs per cache hit: the
// CPU per request of the hit with a function against the hit without one (target: +8 µs).
func reportFunctionCost(targets []target, meds []roundResultMedians) {
	cpu := map[string]float64{}
	for i, t := range targets {
		cpu[t.name] = meds[i].cpu
	}
	with, ok1 := cpu["hookfront, cache hit, 1 viewer-req function"]
	without, ok2 := cpu["hookfront, cache hit, no hooks"]
	if ok1 && ok2 {
		fmt.Printf("one viewer-request function per cache hit: %+.1f µs of CPU per request (target ≤ +8 µs)\n", with-without)
	}
}
