package dev.stockade;

import java.util.OptionalLong;

/**
 * The lifeline of this JVM at one moment: the watchdog process that ends every tree of every pool
 * of this JVM if the JVM is killed (even with SIGKILL), or why there is none. One per JVM, shared
 * by its pools; started with the first tree, or at {@code build()} with {@code
 * requireLifeline(true)}.
 *
 * @param running whether a watchdog runs and has said it is ready: while false, trees of this JVM
 *     are not ended if it is killed
 * @param watchdogPid the ready watchdog's pid; empty while {@code running} is false
 * @param description one line for logs: {@code "watchdog pid 1234"}, {@code "not started (no tree
 *     yet)"}, or why it is not running, in the watchdog's own words where it wrote any
 */
public record LifelineStatus(boolean running, OptionalLong watchdogPid, String description) {}
