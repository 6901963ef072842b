/** The kernelspec installer ({@code java -jar peft4j-kernel.jar install}). */
package ai.peft4j.kernel.install;
