/**
 * Teardown that does not depend on the supervising JVM staying alive: one watchdog process per JVM
 * ({@link dev.stockade.internal.lifeline.Lifeline}, {@link
 * dev.stockade.internal.lifeline.Watchdog}) ends the JVM's trees when its pipe from the JVM closes,
 * however the JVM died; and the start-up sweep ({@link
 * dev.stockade.internal.lifeline.LeftoverSweep}) ends what a killed run of the same pool left,
 * should its watchdog have died too. It uses {@code internal.os}, {@code internal.cgroup} and
 * {@code internal.launch}.
 */
package dev.stockade.internal.lifeline;
