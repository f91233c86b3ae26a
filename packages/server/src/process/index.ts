export { Supervisor, type SupervisorOptions, type SupervisorErrors, type SupervisorLog, type SupervisedCommand, type SupervisedEvents } from './Supervisor.js';
