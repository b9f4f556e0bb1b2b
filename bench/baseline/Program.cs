// The runtime starting and exiting, nothing else: no Console (its first use starts a thread).
return 0;
