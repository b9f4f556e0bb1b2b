using OcfAgents.Agents.XcatDb;
using OcfAgents.Ocf;

return OcfHost.Main(new XcatDbAgent(), args);
