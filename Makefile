# OcfAgents — see README.md. Every target is safe to re-run.
AGENTS  := shareddata xcatdb xcatd nfs4replica fence_ipmi fence_riloe
# cluster-glue external/ plugins, and fence-agents' other names (fence_ipmilanplus: lanplus by
# default): the fence agent's own binary under another name, which it reads at start.
PLUGINS := xcat-ipmi:fence_ipmi xcat-riloe:fence_riloe fence_ipmilanplus:fence_ipmi
# command-line tools shipped beside the agents (tools/<name>)
TOOLS   := ocf-harness
RID     := linux-x64
DOTNET  ?= dotnet
DIST    := dist/bin
HOOKS   := build/hooks

.PHONY: all publish hooks prereqs build test demo bench package clean

all: publish

## publish: every agent and tool as a NativeAOT executable in dist/bin/<name> (no .NET runtime needed)
publish: $(addprefix $(DIST)/,$(AGENTS) $(TOOLS))
	@for p in $(PLUGINS); do install -m 0755 $(DIST)/$${p#*:} $(DIST)/$${p%%:*}; done

$(DIST)/%: FORCE
	$(DOTNET) publish agents/$* -c Release -r $(RID) -o build/publish/$* --nologo -v quiet
	install -D -m 0755 build/publish/$*/$* $@

$(addprefix $(DIST)/,$(TOOLS)): $(DIST)/%: FORCE
	$(DOTNET) publish tools/$* -c Release -r $(RID) -o build/publish/$* --nologo -v quiet
	install -D -m 0755 build/publish/$*/$* $@

## hooks: Debug (JIT) builds with the crash-point test hooks, used only by the crash-matrix tests
hooks:
	@for a in $(AGENTS); do $(DOTNET) build agents/$$a -c Debug -o $(HOOKS)/$$a --nologo -v quiet || exit 1; done

## prereqs: the Debian packages the tests use (apt-get when root, otherwise a message naming them)
prereqs:
	@tools/prereqs.sh

## test: prerequisites, build, every test; ends with "N passed, N failed, N skipped"
test: prereqs publish hooks package
	@tools/run-tests.sh

## demo: the main job — a real 2-node Pacemaker cluster running the xCAT management-node group, moved and moved back
demo: prereqs publish
	@tools/demo.sh

## package: dist/ocfagents_<version>_amd64.deb and dist/ocfagents-<version>.x86_64.rpm (packaging/layout.txt)
package: publish
	@packaging/build.sh

## bench: hyperfine against the heartbeat agents; rewrites bench/RESULTS.md
bench: prereqs publish
	@bench/run.sh

clean:
	rm -rf dist build
	find . -name bin -o -name obj -prune -type d | xargs rm -rf

FORCE:
