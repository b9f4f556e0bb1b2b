using OcfAgents.Agents.Xcatd;
using OcfAgents.Ocf;

return OcfHost.Main(new XcatdAgent(), args);
