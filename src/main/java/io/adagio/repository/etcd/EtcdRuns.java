package io.adagio.repository.etcd;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.engine.Inputs;
import io.adagio.repository.IdempotencyConflictException;
import io.adagio.repository.StartKey;
import io.adagio.repository.Started;
import io.adagio.engine.RunVerdict;
import io.adagio.model.Node;
import io.adagio.model.NodeSpec;
import io.adagio.model.NodeStatus;
import io.adagio.model.Run;
import io.adagio.model.RunStatus;
import io.adagio.model.Stats;
import io.adagio.repository.NotFoundException;
import io.adagio.repository.RunNotFinishedException;
import io.adagio.repository.RunPage;
import io.adagio.repository.RunQuery;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs: start ({@link RunStarter}: node and state keys in batches, the run key last, so a run is seen whole or
 * not at all), inspect, list, stats and the completion check. Reads go in read-only transactions at one
 * revision each; run shapes are immutable and cached ({@link RunShapes}).
 */
final class EtcdRuns {
    private static final int LIST_PAGE = 100;
    /** Runs read per transaction by {@link #views}: five reads each, within etcd's 128 operations. */
    private static final int VIEWS_PER_TXN = 25;
    /** Transactions of {@link #views} in flight at once: a page of runs ({@link #LIST_PAGE}) in one window. */
    private static final int VIEW_TXNS_IN_FLIGHT = LIST_PAGE / VIEWS_PER_TXN;

    private final KV kv;
    private final Keys keys;
    private final EtcdCodec codec;
    private final EtcdCalls calls;
    private final KeyRanges ranges;
    private final RunShapes shapes;
    private final NodeReader reader;
    private final EtcdInputs inputs;
    private final RunStarter starter;

    EtcdRuns(KV kv, Keys keys, EtcdCodec codec, EtcdCalls calls, KeyRanges ranges, RunShapes shapes, NodeReader reader,
             TxnLimits limits, RootRelease roots) {
        this.kv = kv;
        this.keys = keys;
        this.codec = codec;
        this.calls = calls;
        this.ranges = ranges;
        this.shapes = shapes;
        this.reader = reader;
        this.inputs = new EtcdInputs(reader, keys, codec);
        this.starter = new RunStarter(kv, keys, codec, calls, limits, roots);
    }

    RunStarter starter() {
        return starter;
    }

    Run startRun(Run run) {
        RunShape shape = starter.start(run);
        shapes.remember(shape);
        return RunVerdict.run(run.id(), run.createdAt(), Inputs.filled(run.nodes()), run.edges(), run.rerunOf(),
                run.deadline(), run.ttl());
    }

    /** See {@link io.adagio.repository.Repository#startRun(Run, StartKey)}. */
    Started startRun(Run run, StartKey key) {
        try {
            RunShape shape = starter.start(run, key);
            shapes.remember(shape);
            return new Started(RunVerdict.run(run.id(), run.createdAt(), Inputs.filled(run.nodes()), run.edges(),
                    run.rerunOf(), run.deadline(), run.ttl()), false);
        } catch (RunStarter.KeyTaken taken) {
            if (!taken.record().graphSha256().equals(key.graphSha256())) {
                throw new IdempotencyConflictException(taken.record().runId());
            }
            return new Started(inspectRun(taken.record().runId()), true);
        }
    }

    /**
     * Deletes a completed run in one transaction, guarded by its run key as read: the run key, every node and
     * state key of the run, its intents, signals and verdict keys and its idempotency key's record. Readers see it
     * whole or not at all (the run key goes with the rest); the original's readers list runs by their run keys, so
     * they never see a part.
     */
    void deleteRun(String runId) {
        Run run = view(shape(runId));
        if (run.status() != RunStatus.COMPLETED) {
            throw new RunNotFinishedException(runId);
        }
        ByteSequence runKey = Keys.bytes(keys.run(runId));
        GetResponse got = calls.await(kv.get(runKey), "reading run " + runId);
        if (got.getKvs().isEmpty()) {
            shapes.forget(runId);
            throw new NotFoundException("run", runId);
        }
        String idempotency = codec.run(got.getKvs().get(0).getValue()).idempotencyKey();
        List<Op> ops = new ArrayList<>();
        ops.add(Op.delete(runKey, io.etcd.jetcd.options.DeleteOption.DEFAULT));
        ops.add(RunStarter.deletePrefix(keys.nodesOf(runId)));
        for (NodeStatus s : Keys.KEYED) {
            ops.add(RunStarter.deletePrefix(keys.statesOf(s, runId)));
        }
        ops.add(RunStarter.deletePrefix(keys.intentsOf(runId)));
        ops.add(RunStarter.deletePrefix(keys.signalsOf(runId)));
        ops.add(RunStarter.deletePrefix(keys.verdictsOf(runId)));
        if (idempotency != null) {
            ops.add(Op.delete(Keys.bytes(keys.idempotencyOfHash(idempotency)), io.etcd.jetcd.options.DeleteOption.DEFAULT));
        }
        boolean deleted = calls.await(kv.txn().If(new io.etcd.jetcd.op.Cmp(runKey, io.etcd.jetcd.op.Cmp.Op.EQUAL,
                        io.etcd.jetcd.op.CmpTarget.modRevision(got.getKvs().get(0).getModRevision())))
                .Then(ops.toArray(Op[]::new)).commit(), "deleting run " + runId).isSucceeded();
        shapes.forget(runId);
        if (!deleted) {
            throw new NotFoundException("run", runId); // deleted meanwhile (a run key is never rewritten)
        }
    }

    Run inspectRun(String runId) {
        return view(shape(runId));
    }

    /** See {@link io.adagio.repository.Repository#observeRun}: the run as read in one transaction, at its revision. */
    io.adagio.repository.RunObservation observeRun(String runId) {
        long[] at = {0};
        Run run = views(List.of(shape(runId)), r -> at[0] = r).get(0);
        if (run == null) {
            throw new NotFoundException("run", runId);
        }
        return new io.adagio.repository.RunObservation(run, io.adagio.repository.Cursor.endOf(at[0]));
    }

    Node inspectNode(String runId, String name) {
        RunShape shape = shape(runId);
        requireNode(shape, name);
        return inputs.filled(runId, reader.read(runId, name).node());
    }

    /** See {@link io.adagio.repository.Repository#findRuns}: run keys newest first, read in pages, viewed in groups. */
    RunPage findRuns(RunQuery query) {
        List<Run> out = new ArrayList<>();
        if (query.limit() <= 0 || query.newest().isBefore(query.oldest())) {
            return new RunPage(out, null);
        }
        ByteSequence from = Keys.bytes(keys.run(Ulid.min(Math.max(0, query.oldest().toEpochMilli())).toString()));
        ByteSequence end = Keys.after(Keys.bytes(keys.run(Ulid.max(query.newest().toEpochMilli()).toString())));
        if (query.before() != null) {
            ByteSequence before = Keys.bytes(keys.run(query.before()));
            if (Keys.text(before).compareTo(Keys.text(end)) < 0) {
                end = before; // a range's end is exclusive
            }
        }
        int looked = 0;
        String last = null;
        while (true) {
            GetResponse page = calls.await(kv.get(from, GetOption.builder().withRange(end)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(LIST_PAGE).build()), "listing runs");
            List<RunShape> candidates = new ArrayList<>();
            for (KeyValue runKey : page.getKvs()) {
                keys.parseRun(Keys.text(runKey.getKey())).ifPresent(id -> candidates.add(shapes.remember(id, runKey)));
            }
            for (int at = 0; at < candidates.size(); ) {
                if (out.size() >= query.limit() || query.filters() && looked >= RunQuery.SCAN_BUDGET) {
                    return new RunPage(out, last);
                }
                int room = query.filters() ? RunQuery.SCAN_BUDGET - looked : query.limit() - out.size();
                List<RunShape> group = candidates.subList(at, Math.min(candidates.size(), at + room));
                List<RunShape> inRange = group.stream().filter(g -> query.includes(g.createdAt())).toList();
                java.util.Iterator<Run> viewed = views(inRange).iterator();
                for (RunShape shape : group) {
                    looked++;
                    last = shape.id();
                    if (query.includes(shape.createdAt())) {
                        Run run = viewed.next();
                        if (run != null && query.matches(run)) { // null: deleted since the page was read
                            out.add(run);
                            if (out.size() >= query.limit()) {
                                return new RunPage(out, last);
                            }
                        }
                    }
                }
                at += group.size();
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return new RunPage(out, null);
            }
            end = page.getKvs().get(page.getKvs().size() - 1).getKey();
        }
    }

    /**
     * Counts at one revision, in one read-only transaction: count-only ranges over each state, {@code nodes/} and
     * {@code runs/}; orphaned = node keys without a state key. The nodes of a start still in flight (batches
     * written, run key not yet) are counted with their states; a start that fails removes its batches.
     */
    Stats stats() {
        List<String> prefixes = new ArrayList<>(keys.statesThenNodes());
        prefixes.add(keys.runs());
        long[] counts = ranges.counts(prefixes, 0);
        int n = Keys.KEYED.size();
        long keyed = 0;
        for (int i = 0; i < n; i++) {
            keyed += counts[i];
        }
        return new Stats(counts[n + 1],
                new Stats.NodeCounts(counts[0], counts[1], counts[2], counts[3], Math.max(0, counts[n] - keyed)));
    }

    /**
     * Counts only, in one read-only transaction (no node is read): no waiting, ready or running key, and a
     * completed key for every node.
     */
    boolean isRunCompleted(String runId) {
        RunShape shape = shape(runId);
        List<Op> counts = new ArrayList<>();
        for (NodeStatus st : Keys.KEYED) {
            String prefix = keys.statesOf(st, runId);
            counts.add(Op.get(Keys.bytes(prefix), GetOption.builder().withRange(Keys.prefixEnd(prefix)).withCountOnly(true).build()));
        }
        List<GetResponse> answers = calls.await(kv.txn().Then(counts.toArray(Op[]::new)).commit(),
                "counting the states of " + runId).getGetResponses();
        for (int i = 0; i < Keys.KEYED.size(); i++) {
            long n = answers.get(i).getCount();
            if (Keys.KEYED.get(i) == NodeStatus.COMPLETED ? n != shape.topology().size() : n > 0) {
                return false;
            }
        }
        return true;
    }

    /** @throws NotFoundException when no such run is visible */
    RunShape shape(String runId) {
        return shapes.find(runId).orElseThrow(() -> new NotFoundException("run", runId));
    }

    /** @throws NotFoundException when the run has no such node */
    static void requireNode(RunShape shape, String name) {
        if (!shape.topology().contains(name)) {
            throw new NotFoundException("node", shape.id() + "/" + name);
        }
    }

    /**
     * The run with every node, read at one revision in one transaction of prefix reads.
     *
     * @throws NotFoundException when it was deleted since its shape was read
     */
    private Run view(RunShape shape) {
        Run run = views(List.of(shape)).get(0);
        if (run == null) {
            throw new NotFoundException("run", shape.id());
        }
        return run;
    }

    /**
     * The runs with every node, in the order given (null for one deleted since its shape was read). Each run costs
     * five prefix reads (its four state prefixes and its node prefix),
     * and the reads of up to {@link #VIEWS_PER_TXN} runs go in one read-only transaction, so a page of runs is a
     * handful of round trips, each at one revision.
     */
    private List<Run> views(List<RunShape> shapes) {
        return views(shapes, r -> {
        });
    }

    /**
     * {@link #views(List)}, telling {@code readAt} the revision of each group's read. The groups' transactions are
     * sent together (up to {@link #VIEW_TXNS_IN_FLIGHT} at once) and answered in order: a page of 100 runs costs
     * one round trip of etcd, not four in a row.
     */
    private List<Run> views(List<RunShape> shapes, java.util.function.LongConsumer readAt) {
        List<Run> out = new ArrayList<>(shapes.size());
        int perWindow = VIEWS_PER_TXN * VIEW_TXNS_IN_FLIGHT;
        for (int window = 0; window < shapes.size(); window += perWindow) {
            List<List<RunShape>> groups = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<io.etcd.jetcd.kv.TxnResponse>> reads = new ArrayList<>();
            for (int from = window; from < Math.min(shapes.size(), window + perWindow); from += VIEWS_PER_TXN) {
                List<RunShape> group = shapes.subList(from, Math.min(shapes.size(), from + VIEWS_PER_TXN));
                groups.add(group);
                reads.add(kv.txn().Then(viewReads(group)).commit());
            }
            List<io.etcd.jetcd.kv.TxnResponse> answered = calls.awaitAll(reads, "reading runs");
            for (int g = 0; g < groups.size(); g++) {
                readAt.accept(answered.get(g).getHeader().getRevision());
                List<GetResponse> answers = answered.get(g).getGetResponses();
                int at = 0;
                for (RunShape shape : groups.get(g)) {
                    Map<String, NodeStatus> status = new HashMap<>();
                    for (NodeStatus st : Keys.KEYED) {
                        for (KeyValue stateKey : answers.get(at++).getKvs()) {
                            keys.parseState(Keys.text(stateKey.getKey())).ifPresent(k -> status.put(k.node().name(), st));
                        }
                    }
                    Map<String, Node> byName = new HashMap<>();
                    for (KeyValue nodeKey : answers.get(at++).getKvs()) {
                        keys.parseNode(Keys.text(nodeKey.getKey())).ifPresent(ref -> byName.put(ref.name(),
                                codec.node(nodeKey.getValue()).withStatus(status.getOrDefault(ref.name(), NodeStatus.NONE))));
                    }
                    out.add(assemble(shape, byName));
                }
            }
        }
        return out;
    }

    /** The reads of a group of runs: each state's keys of the run (keys only), then its node values. */
    private Op[] viewReads(List<RunShape> group) {
        List<Op> gets = new ArrayList<>();
        for (RunShape shape : group) {
            for (NodeStatus st : Keys.KEYED) {
                String prefix = keys.statesOf(st, shape.id());
                gets.add(Op.get(Keys.bytes(prefix), GetOption.builder().withRange(Keys.prefixEnd(prefix)).withKeysOnly(true).build()));
            }
            String nodes = keys.nodesOf(shape.id());
            gets.add(Op.get(Keys.bytes(nodes), GetOption.builder().withRange(Keys.prefixEnd(nodes)).build()));
        }
        return gets.toArray(Op[]::new);
    }

    /** The run from its nodes as read; null when they are gone (the run was deleted since its shape was read). */
    private Run assemble(RunShape shape, Map<String, Node> byName) {
        List<Node> nodes = new ArrayList<>(shape.topology().size());
        for (NodeSpec spec : shape.topology().specs()) {
            Node n = byName.get(spec.name());
            if (n == null) {
                shapes.forget(shape.id());
                return null;
            }
            nodes.add(n);
        }
        return RunVerdict.run(shape.id(), shape.createdAt(), Inputs.filled(nodes), shape.topology().edges(),
                shape.rerunOf(), shape.deadline(), shape.ttl());
    }
}
