using OcfAgents.Agents.Nfs4Replica;
using OcfAgents.Ocf;

return OcfHost.Main(new Nfs4ReplicaAgent(), args);
