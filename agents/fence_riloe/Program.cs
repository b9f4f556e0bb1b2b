using OcfAgents.Agents.FenceRiloe;
using OcfAgents.Fencing;

return FenceHost.Main(new RiloeFenceDevice(), args);
