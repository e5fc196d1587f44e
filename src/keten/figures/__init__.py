"""What the monitor's pages and the report both show, computed and drawn once: the chain's
metrics from the store (`metrics`), small cells hidden (`suppression`), the chart specs
(`charts`) and the process map (`processmap`). Above the store and the chain model, below
the apps that present them (monitor, reports), so neither reaches into the other."""
