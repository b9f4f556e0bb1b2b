using OcfAgents.Agents.SharedData;
using OcfAgents.Ocf;

return OcfHost.Main(new SharedDataAgent(), args);
