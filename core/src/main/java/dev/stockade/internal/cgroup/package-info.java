/**
 * Containment by cgroups: the kernel keeps a worker's whole tree in one group, caps its memory and
 * process count, and ends all of it at once, whatever the tree does to leave (fork, re-parent to
 * init, {@code setsid}).
 *
 * <ul>
 *   <li>{@link dev.stockade.internal.cgroup.CgroupProbe} chooses once per pool, from {@link
 *       dev.stockade.CgroupMode} ({@code AUTO}, {@code V2}, {@code V1}, {@code NONE}) and {@link
 *       dev.stockade.internal.cgroup.CgroupMounts}, and says what it chose in one line ({@link
 *       dev.stockade.internal.cgroup.CgroupSelection}).
 *   <li>{@link dev.stockade.internal.cgroup.CgroupBase} is the {@code stockade} directory of the
 *       chosen hierarchy: it makes worker groups, lists pool directories and removes one pool
 *       entirely (for the start-up sweep).
 *   <li>{@link dev.stockade.internal.cgroup.WorkerCgroup} is one worker's group: join files,
 *       limits, readings, kill, removal; one implementation per cgroup version.
 *   <li>{@link dev.stockade.internal.cgroup.OwnCgroupMemory} reads the memory this JVM's own cgroup
 *       allows and uses, so a pool in a container sees the container's memory.
 * </ul>
 *
 * Nothing here moves the JVM itself into another group, and nothing here needs the JVM to stay
 * alive for a group to be ended later: a group is found again by its directory.
 */
package dev.stockade.internal.cgroup;
