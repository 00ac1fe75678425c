/**
 * The README's Java examples, each a complete program: the README shows the part between {@code //
 * README: begin} and {@code // README: end} verbatim, and {@code ReadmeSnippetsTest} fails when the
 * two differ; {@code ReadmeExamplesTest} runs each one.
 */
package dev.stockade.examples.readme;
