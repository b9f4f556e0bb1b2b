using OcfAgents.Agents.FenceIpmi;
using OcfAgents.Fencing;

return FenceHost.Main(new IpmiFenceDevice(), args);
