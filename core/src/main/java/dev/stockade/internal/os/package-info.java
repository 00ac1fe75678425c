/**
 * Processes as Linux shows them, with no knowledge of pools: the process table read from {@code
 * /proc} ({@link dev.stockade.internal.os.ProcessTable}, {@link dev.stockade.internal.os.ProcFs}),
 * starting a tree's root ({@link dev.stockade.internal.os.ProcessLauncher}: {@code posix_spawn} or
 * the JDK), signals that reach only the process meant ({@link dev.stockade.internal.os.Signals}),
 * and a tree's containment without cgroups — who belongs to it ({@link
 * dev.stockade.internal.os.TreeMembership}), what it uses ({@link
 * dev.stockade.internal.os.TreeMeter}, {@link dev.stockade.internal.os.TreeCpuClock}), how it is
 * ended and verified gone ({@link dev.stockade.internal.os.TreeTeardown}), and the zombies it
 * leaves ({@link dev.stockade.internal.os.OrphanReaper}). Also the tag every tree's processes carry
 * ({@link dev.stockade.internal.os.Tags}) and each tree's temporary directory ({@link
 * dev.stockade.internal.os.TempDirectories}). It uses no other package of Stockade.
 */
package dev.stockade.internal.os;
