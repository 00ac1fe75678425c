package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.EnvironmentNames;
import dev.stockade.ExitStatus;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryMetric;
import dev.stockade.MemorySize;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerSnapshot;
import dev.stockade.WorkerState;
import dev.stockade.internal.launch.ProgramCheck;
import dev.stockade.internal.launch.ProgramStartException;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.SpawnedProcess;
import dev.stockade.internal.os.Tags;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.internal.os.TreeContainment;
import dev.stockade.internal.os.TreeCpuClock;
import dev.stockade.internal.os.TreeMeter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One worker's process tree under supervision: started through its containment, sampled by the
 * housekeeper, ended and verified gone. It does not know whether it serves a one-shot command or a
 * persistent worker; the pool decides what a sample or an exit means.
 */
public final class SupervisedTree {
  private final String poolName;
  private final String workerId;
  private final String label;
  private final TreeContainment containment;
  private final TreeMeter meter;
  private final Path tempDirectory;
  private final WorkerLifecycle lifecycle = new WorkerLifecycle();
  private final SpawnedProcess process;
  private final ProcessIdentity root;

  /** Taken just before the launch: the process cannot have started earlier. */
  private final long startNanos;

  private final String tag;

  private volatile long memoryNow;
  private volatile MemoryMetric metricNow = MemoryMetric.RSS;
  private volatile long memoryPeak;
  private volatile MemoryMetric peakMetric = MemoryMetric.RSS;
  private volatile int processCount = 1;
  private volatile int peakProcessCount = 1;
  private final TreeCpuClock cpuClock = new TreeCpuClock();
  private volatile long cpuUsedNanos;
  private volatile boolean rootStopped;
  private volatile boolean busyWithoutHeartbeat;
  private final PostMortem postMortem = new PostMortem();

  /**
   * The kernel's task count at the last sample, or -1 where it keeps none; housekeeper thread only.
   */
  private long tasksAtLastSample = -1;

  /** Samples from the kernel's counters since the members were last read; housekeeper only. */
  private int kernelSamplesInARow;

  /**
   * Where this JVM adopts the tree's orphans, the most samples in a row from the kernel's counters
   * alone: the members are read at least once in this many plus one, which notes them and reaps the
   * orphans that died meanwhile (a zombie still counts as a task, so its death moves no count).
   */
  static final int KERNEL_SAMPLES_BETWEEN_READS = 3;

  private SupervisedTree(
      String poolName,
      String workerId,
      String tag,
      String label,
      TreeContainment containment,
      TreeMeter meter,
      Path tempDirectory,
      SpawnedProcess process,
      long startedNotBeforeTicks,
      long startNanos) {
    this.poolName = poolName;
    this.workerId = workerId;
    this.tag = tag;
    this.label = label;
    this.containment = containment;
    this.meter = meter;
    this.tempDirectory = tempDirectory;
    this.process = process;
    // Not now: the launching thread may have been descheduled after the process began, and
    // a duration or age counted from later would come out shorter than the process's life.
    this.startNanos = startNanos;
    ProcessInfo info = ProcFs.readStat(process.pid());
    // A root that already exited and was reaped has no stat. A lower bound of its start time,
    // taken before the spawn, still admits its session and group (whose members cannot be
    // older) and matches no live process, so no signal can reach a recycled pid.
    this.root =
        new ProcessIdentity(process.pid(), info == null ? startedNotBeforeTicks : info.startTime());
    containment.attach(root);
  }

  /**
   * What to start: arguments, extra environment and working directory; whether stdout and stderr
   * are piped back, and whether stdin is a pipe (persistent workers) or /dev/null.
   */
  public record Spec(
      List<String> arguments,
      Map<String, String> environment,
      Path directory,
      boolean captureOutput,
      boolean pipeInput) {}

  /**
   * Starts the tree. Must run on the pool's {@link Spawner} thread.
   *
   * @param waiter where the root's exit is waited for
   * @throws ProgramStartException if the program cannot be started (naming it, the working
   *     directory and the reason); the temporary directory is removed
   */
  public static SupervisedTree start(
      String poolName,
      String poolId,
      String workerId,
      String label,
      TreeContainment containment,
      ProcessLauncher launcher,
      MemoryAccounting accounting,
      Spec spec,
      Executor waiter)
      throws ProgramStartException {
    String program = spec.arguments().get(0);
    String path = spec.environment().getOrDefault("PATH", System.getenv("PATH"));
    // The one check before every launch: the same refusal in every containment and launcher.
    Path resolved = ProgramCheck.verify(program, path, spec.directory());
    Path tmp = TempDirectories.create(poolName, workerId);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(spec.environment());
    env.put(EnvironmentNames.TAG, Tags.workerTag(poolId, workerId));
    env.put("TMPDIR", tmp.toString());
    env.put("TMP", tmp.toString());
    env.put("TEMP", tmp.toString());
    SpawnedProcess process;
    long notBefore = ProcFs.uptimeTicks();
    long launchNanos;
    try {
      LaunchSpec launch =
          containment.prepare(
              new LaunchSpec(
                  resolved,
                  spec.arguments(),
                  env,
                  spec.directory(),
                  containment.newSession(),
                  spec.captureOutput(),
                  spec.pipeInput()));
      try {
        launchNanos = System.nanoTime();
        process = containment.launch(launcher, launch, waiter);
      } catch (IOException | RuntimeException e) {
        containment.discard();
        throw e;
      }
    } catch (IOException e) {
      TempDirectories.delete(tmp);
      throw ProgramStartException.ofLaunch(
          program, spec.directory() == null ? Path.of("").toAbsolutePath() : spec.directory(), e);
    } catch (RuntimeException e) {
      TempDirectories.delete(tmp);
      throw e;
    }
    SupervisedTree tree =
        new SupervisedTree(
            poolName,
            workerId,
            env.get(EnvironmentNames.TAG),
            label,
            containment,
            new TreeMeter(accounting),
            tmp,
            process,
            notBefore,
            launchNanos);
    // Registered after the spawn: a tree whose registration the JVM's death cut off is still
    // found by the watchdog through its tag, the pool's prefix being known from its siblings.
    Lifeline.get().treeStarted(tree.tag, tree.root, tmp, containment.cgroupDirectories());
    return tree;
  }

  /**
   * Samples the tree from {@code table}: refreshes membership, measures memory against {@code
   * limitBytes} (see {@link TreeMeter} for when PSS is read), counts the CPU time its members used
   * (see {@link TreeCpuClock}) and whether its root is stopped.
   */
  public TreeMeter.Reading sample(ProcessTable table, long limitBytes) {
    // Before the members: a task that comes between the two reads makes the next kernel sample
    // see a count that moved, and look again.
    tasksAtLastSample = containment.kernelTaskCount().orElse(-1);
    kernelSamplesInARow = 0;
    List<ProcessInfo> members = containment.members(table);
    cpuClock.sample(members);
    cpuUsedNanos = cpuClock.usedNanos();
    ProcessInfo rootNow = table.find(root);
    rootStopped = rootNow != null && rootNow.isStopped();
    OptionalLong kernel = containment.kernelMemoryBytes();
    TreeMeter.Reading reading =
        kernel.isPresent()
            ? new TreeMeter.Reading(
                kernel.getAsLong(), MemoryMetric.CGROUP, 0, members.size(), true)
            : meter.measure(members, limitBytes);
    note(reading);
    postMortem.sampled(members, reading.bytes() >= limitBytes / 2);
    return reading;
  }

  /**
   * Samples the tree from the kernel's counters alone — its memory, and the count of its tasks —
   * reading none of its processes: for a tree its pool found quiet. Empty, having read nothing
   * else, where the kernel keeps no such counters for the tree, or when its task count moved since
   * the last sample: then only {@link #sample} can tell what changed; and where this JVM adopts the
   * tree's orphans, after {@link #KERNEL_SAMPLES_BETWEEN_READS} such samples in a row. The reading
   * counts the processes the last sample found: while no task came or went, none did. CPU time and
   * the root's state keep their values from that sample.
   */
  public Optional<TreeMeter.Reading> sampleFromKernel() {
    if (containment.adoptsOrphans() && kernelSamplesInARow >= KERNEL_SAMPLES_BETWEEN_READS) {
      return Optional.empty();
    }
    OptionalLong tasks = containment.kernelTaskCount();
    if (tasks.isEmpty() || tasks.getAsLong() != tasksAtLastSample) {
      return Optional.empty();
    }
    OptionalLong kernel = containment.kernelMemoryBytes();
    if (kernel.isEmpty()) {
      return Optional.empty();
    }
    TreeMeter.Reading reading =
        new TreeMeter.Reading(kernel.getAsLong(), MemoryMetric.CGROUP, 0, processCount, true);
    note(reading);
    kernelSamplesInARow++;
    return Optional.of(reading);
  }

  /** Makes {@code reading} the tree's figures now, and its peaks if it is above them. */
  private void note(TreeMeter.Reading reading) {
    memoryNow = reading.bytes();
    metricNow = reading.metric();
    processCount = reading.processCount();
    if (reading.bytes() > memoryPeak) {
      memoryPeak = reading.bytes();
      peakMetric = reading.metric();
    }
    if (reading.processCount() > peakProcessCount) {
      peakProcessCount = reading.processCount();
    }
  }

  /**
   * Counts {@code breach}, the reading a limit was judged on, in the tree's peak: the exception
   * that reports a breach and the details attached to it then give the same figure.
   */
  public void recordBreach(TreeMeter.Reading breach) {
    if (breach.bytes() > memoryPeak) {
      memoryPeak = breach.bytes();
      peakMetric = breach.metric();
    }
    if (breach.processCount() > peakProcessCount) {
      peakProcessCount = breach.processCount();
    }
  }

  /**
   * A limit the kernel enforced on the tree, as the pool reports it.
   *
   * @param reason {@code MEMORY_LIMIT} or {@code PROCESS_LIMIT}
   * @param reading what crossed it: the kernel's memory peak, or, for a fork refused at {@code
   *     pids.max}, the tree's last reading marked {@link TreeMeter.Reading#forkRefused}
   */
  public record KernelBreach(EndReason reason, TreeMeter.Reading reading) {}

  /**
   * The limit the kernel enforced on the tree, if its containment has the kernel enforce one: a
   * member OOM-killed in its cgroup (a memory breach), or a fork refused at {@code pids.max}.
   */
  public Optional<KernelBreach> kernelBreach() {
    switch (containment.kernelLimitHit()) {
      case MEMORY:
        long peak = containment.kernelMemoryPeakBytes().orElse(memoryPeak);
        return Optional.of(
            new KernelBreach(
                EndReason.MEMORY_LIMIT,
                new TreeMeter.Reading(peak, MemoryMetric.CGROUP, 0, processCount, true)));
      case PROCESSES:
        return Optional.of(
            new KernelBreach(
                EndReason.PROCESS_LIMIT,
                new TreeMeter.Reading(memoryNow, metricNow, 0, processCount, true, true)));
      default:
        return Optional.empty();
    }
  }

  /** CPU time the tree used up to the last sample (see {@link TreeCpuClock}). */
  public long cpuUsedNanos() {
    return cpuUsedNanos;
  }

  /** Whether the root was stopped (state T or t) at the last sample. */
  public boolean rootStopped() {
    return rootStopped;
  }

  /**
   * Marks the tree as silent but busy, as its pool judged it, for its snapshot: its worker sends no
   * heartbeat while its processes keep using CPU.
   */
  public void markBusyWithoutHeartbeat(boolean busy) {
    busyWithoutHeartbeat = busy;
  }

  /** The lowest pid a member of this tree can have (see {@code PidCounter}). */
  public long pidFloor() {
    return containment.pidFloor();
  }

  /**
   * Ends every process of the tree; call once, after winning {@link WorkerLifecycle#stop}. Under
   * cgroups the group's own peak, read at the end, counts in the tree's: a tree that ended before
   * its first sample has a true peak too.
   */
  public TeardownReport end(Duration grace) {
    TeardownReport report = containment.end(grace);
    OptionalLong kernelPeak = containment.kernelMemoryPeakBytes();
    if (kernelPeak.isPresent() && kernelPeak.getAsLong() > memoryPeak) {
      memoryPeak = kernelPeak.getAsLong();
      peakMetric = MemoryMetric.CGROUP;
    }
    return report;
  }

  /**
   * After {@link #end}: waits for the readers of the tree's output pipes to reach their end ({@code
   * readersDone}), ending any escaped member that still holds a pipe, with {@code grace}; a pipe
   * that stays held is abandoned, so no reader stays blocked on it (see {@link PipeHolderSweep}).
   * Closes the pipes.
   */
  public PipeHolderSweep.Outcome endOutput(CompletableFuture<?> readersDone, Duration grace) {
    return PipeHolderSweep.sweep(this, readersDone, grace);
  }

  /** Removes the tree's temporary directory; call after {@link #end}. */
  public void release() {
    TempDirectories.delete(tempDirectory);
    Lifeline.get().treeEnded(tag);
    lifecycle.moveTo(WorkerState.DEAD);
  }

  public WorkerLifecycle lifecycle() {
    return lifecycle;
  }

  public SpawnedProcess process() {
    return process;
  }

  public String workerId() {
    return workerId;
  }

  public String poolName() {
    return poolName;
  }

  /** The root's identity; its start time is a lower bound of every member's. */
  ProcessIdentity root() {
    return root;
  }

  String tag() {
    return tag;
  }

  public String label() {
    return label;
  }

  public Path tempDirectory() {
    return tempDirectory;
  }

  /**
   * The {@link System#nanoTime()} of its launch, from which its age and a command's deadline run.
   */
  public long launchNanos() {
    return startNanos;
  }

  public Duration age() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  public MemorySize peakMemory() {
    return MemorySize.ofBytes(memoryPeak);
  }

  public MemoryMetric peakMetric() {
    return peakMetric;
  }

  public int peakProcessCount() {
    return peakProcessCount;
  }

  /**
   * Reads the tree's processes as they are now, from its last full sample, for the failure and the
   * log of an end the pool decided ({@link PostMortem}); once, before the tree is ended. Empty when
   * the pool never sampled it. For its memory limit, those the last sample no longer found are
   * listed too, as gone.
   */
  public Optional<String> takePostMortem(EndReason reason) {
    if (postMortem.take(reason == EndReason.MEMORY_LIMIT) == null) {
      return Optional.empty();
    }
    return Optional.of(details(null, "").processListing());
  }

  /** The tree's details; with its processes when the pool decided to end it, if they were read. */
  public WorkerDetails details(ExitStatus exitStatus, String stderrTail) {
    return postMortem.applyTo(detailsWithoutProcesses(exitStatus, stderrTail));
  }

  private WorkerDetails detailsWithoutProcesses(ExitStatus exitStatus, String stderrTail) {
    return new WorkerDetails(
        poolName,
        workerId,
        label,
        process.pid(),
        peakProcessCount,
        MemorySize.ofBytes(memoryPeak),
        peakMetric,
        exitStatus,
        stderrTail);
  }

  public WorkerSnapshot snapshot() {
    return new WorkerSnapshot(
        workerId,
        label,
        process.pid(),
        lifecycle.state(),
        processCount,
        peakProcessCount,
        MemorySize.ofBytes(memoryNow),
        MemorySize.ofBytes(memoryPeak),
        metricNow,
        age(),
        tempDirectory,
        busyWithoutHeartbeat);
  }
}
