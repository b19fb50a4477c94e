"""When periodic jobs run: once per period for the whole cluster, whatever the number of processes and nodes."""
