#ifndef FACTORIAL_H
#define FACTORIAL_H
unsigned long factorial(unsigned int n);
#endif
