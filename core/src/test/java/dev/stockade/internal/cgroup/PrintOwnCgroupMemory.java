package dev.stockade.internal.cgroup;

/**
 * Prints what {@link OwnCgroupMemory} reads in the process it runs in, one {@code key=value} per
 * line, so a test can start it inside a cgroup and check what it saw.
 */
public final class PrintOwnCgroupMemory {
  private PrintOwnCgroupMemory() {}

  public static void main(String[] args) {
    MemoryReading reading = OwnCgroupMemory.resolve().read();
    System.out.println("limit=" + reading.limitBytes());
    System.out.println("used=" + reading.usedBytes());
    System.out.println("available=" + reading.availableBytes());
    System.out.println("source=" + reading.source());
  }
}
