class A {}
class C {}
