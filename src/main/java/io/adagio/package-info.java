/**
 * adagio: a distributed workflow engine. DAGs of nodes are submitted over REST and run by agents that speak
 * HTTP and Server-Sent Events; state lives in memory or in etcd.
 */
package io.adagio;
