class A {}
class B {}
