/**
 * How a process is launched, before it is: whether the kernel can start a program in its directory
 * ({@link dev.stockade.internal.launch.ProgramCheck}, the way {@code execvp} finds it), and how to
 * start another JVM in the shape this one was started in ({@link
 * dev.stockade.internal.launch.JvmLaunch}: class path, {@code java -jar}, a Spring Boot jar, class
 * loaders of files, the module path). It uses no other package of Stockade.
 */
package dev.stockade.internal.launch;
